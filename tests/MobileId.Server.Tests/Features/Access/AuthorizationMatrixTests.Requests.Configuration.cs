using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.Access;

public sealed partial class AuthorizationMatrixTests
{
    /// <summary>The matrix rows for Operation Settings, webhooks, audit, certificate authorities, policies, profiles, card data models and card layouts (merged into <see cref="Rows"/>).</summary>
    private static Dictionary<string, MatrixRow> ConfigurationRows() => new(StringComparer.Ordinal)
    {
        // Operation Settings.
        ["GET /api/v1/settings/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/settings")),
        ["PUT /api/v1/settings/"] = new(TargetKind.None, Ok,
            _ => Json(HttpMethod.Put, "/api/v1/settings", new { values = new Dictionary<string, object> { ["logLevel"] = 2 } })),

        // Webhooks (Operation Settings).
        ["GET /api/v1/webhooks/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/webhooks")),
        ["POST /api/v1/webhooks/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/webhooks", new { name = "mx-hook-" + r.Unique, url = WebhookUrl, events = new[] { "issued" }, active = true }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.WebhookSubscriptions.AnyAsync(x => x.Name == "mx-hook-" + r.Unique)))),
        ["GET /api/v1/webhooks/{id:guid}"] = new(TargetKind.None, Ok, async r => await Send(HttpMethod.Get, $"/api/v1/webhooks/{await FreshWebhookAsync(r)}")),
        ["PUT /api/v1/webhooks/{id:guid}"] = new(TargetKind.None, Ok,
            async r => await Json(HttpMethod.Put, $"/api/v1/webhooks/{await FreshWebhookAsync(r)}",
                new { name = "mx-hook-changed-" + r.Unique, url = WebhookUrl, events = new[] { "issued" }, active = false }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.WebhookSubscriptions.AnyAsync(x => x.Name == "mx-hook-changed-" + r.Unique)))),
        ["DELETE /api/v1/webhooks/{id:guid}"] = new(TargetKind.None, NoContent,
            async r => await Send(HttpMethod.Delete, $"/api/v1/webhooks/{await FreshWebhookAsync(r)}"),
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.WebhookSubscriptions.AnyAsync(x => x.Name == "mx-fresh-hook-" + r.Unique)))),
        ["GET /api/v1/webhooks/{id:guid}/deliveries"] = new(TargetKind.None, Ok,
            async r => await Send(HttpMethod.Get, $"/api/v1/webhooks/{await FreshWebhookAsync(r)}/deliveries")),
        ["POST /api/v1/webhooks/deliveries/{id:guid}/redeliver"] = new(TargetKind.None, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/webhooks/deliveries/{await FailedWebhookDeliveryAsync(r)}/redeliver"),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.WebhookDeliveries
                .AnyAsync(x => x.EventType == "issued" && x.Payload == "{\"mx\":\"" + r.Unique + "\"}" && x.Status == WebhookDeliveryStatus.Pending)))),

        // Audit.
        ["GET /api/v1/audit/"] = new(TargetKind.AuditList, Ok,
            r => Send(HttpMethod.Get, $"/api/v1/audit?personId={r.Target.Id}"), VerifyAsync: VerifyAuditListAsync),
        ["GET /api/v1/audit/verify"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/audit/verify"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Parse(body).GetProperty("intact").GetBoolean() ? null : $"the chain is not intact: {body}")),

        // Certificate Authorities.
        ["GET /api/v1/authorities/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/authorities"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || (body.Contains("\"MobileIdRootCA\"", StringComparison.Ordinal)
                && body.Contains("\"MobileIdIssuingCA\"", StringComparison.Ordinal)) ? null : $"expected the two CAs of init: {body}")),
        ["GET /api/v1/authorities/{name}"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/authorities/MobileIdIssuingCA")),
        ["GET /api/v1/authorities/{name}/service-certificates"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/authorities/MobileIdIssuingCA/service-certificates")),
        ["POST /api/v1/authorities/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/authorities", new { name = "mx-ca-" + r.Unique, parent = "MobileIdRootCA", validityDays = 60 }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.CertificateAuthorities.AnyAsync(x => x.Name == "mx-ca-" + r.Unique)))),
        ["POST /api/v1/authorities/import"] = new(TargetKind.None, Created, r =>
            {
                var root = MobileId.Testing.Features.Authorities.TestCas.Root("mx-" + r.Unique);
                using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                using var ca = MobileId.Testing.Features.Authorities.TestCas.Issuing("mx-" + r.Unique, key, root);
                var pfx = MobileId.Testing.Features.Authorities.TestCas.Pfx("pw", key, ca, root.Root);
                return Json(HttpMethod.Post, "/api/v1/authorities/import", new { name = "mx-import-" + r.Unique, pfx, password = "pw" });
            },
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.CertificateAuthorities.AnyAsync(x => x.Name == "mx-import-" + r.Unique)))),
        ["POST /api/v1/authorities/{name}/retire"] = new(TargetKind.None, Ok, async r =>
            {
                var created = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Authorities.IssuingCas>().CreateAsync(
                    Caller.System("test"), new MobileId.Server.Features.Authorities.CreateIssuingCaRequest("mx-fresh-" + r.Unique, "MobileIdRootCA", null, 60, null),
                    CancellationToken.None));
                Assert.True(created.IsSuccess, created.Error?.Detail);
                return await Send(HttpMethod.Post, $"/api/v1/authorities/mx-fresh-{r.Unique}/retire");
            },
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.CertificateAuthorities.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique && x.Status == CaStatus.Retired)))),
        ["GET /api/v1/policies/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/policies")),
        ["POST /api/v1/policies/"] = new(TargetKind.None, Created, r => Json(HttpMethod.Post, "/api/v1/policies", PolicyBody("mx-policy-" + r.Unique)),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.CertificatePolicies.AnyAsync(x => x.Name == "mx-policy-" + r.Unique)))),
        ["PUT /api/v1/policies/{id:guid}"] = new(TargetKind.None, Ok, async r =>
            {
                var id = await FreshPolicyAsync(r, "mx-fresh-" + r.Unique);
                return await Json(HttpMethod.Put, $"/api/v1/policies/{id}", PolicyBody("mx-fresh-" + r.Unique, validityDays: 200));
            }),

        // Credential Profiles.
        ["GET /api/v1/profiles/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/profiles")),
        ["GET /api/v1/profiles/{id:guid}"] = new(TargetKind.None, Ok, async r => await Send(HttpMethod.Get, $"/api/v1/profiles/{await FreshProfileAsync(r)}")),
        ["POST /api/v1/profiles/"] = new(TargetKind.None, Created, r => Json(HttpMethod.Post, "/api/v1/profiles", ProfileBody("mx-profile-" + r.Unique)),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.CredentialProfiles.AnyAsync(x => x.Name == "mx-profile-" + r.Unique)))),
        ["PUT /api/v1/profiles/{id:guid}"] = new(TargetKind.None, Ok,
            async r => await Json(HttpMethod.Put, $"/api/v1/profiles/{await FreshProfileAsync(r)}", ProfileBody("mx-fresh-profile-" + r.Unique, requireValidation: true)),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.CredentialProfiles.AnyAsync(x => x.Name == "mx-fresh-profile-" + r.Unique && x.RequireValidation)))),
        ["DELETE /api/v1/profiles/{id:guid}"] = new(TargetKind.None, NoContent,
            async r => await Send(HttpMethod.Delete, $"/api/v1/profiles/{await FreshProfileAsync(r)}"),
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.CredentialProfiles.AnyAsync(x => x.Name == "mx-fresh-profile-" + r.Unique)))),
        ["GET /api/v1/card-data-models/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/card-data-models")),
        ["POST /api/v1/card-data-models/reload"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Post, "/api/v1/card-data-models/reload")),

        // Card Layouts.
        ["GET /api/v1/card-layouts/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/card-layouts")),
        ["GET /api/v1/card-layouts/{name}"] = new(TargetKind.None, Ok, async r => await Send(HttpMethod.Get, $"/api/v1/card-layouts/{await FreshLayoutAsync(r)}")),
        ["POST /api/v1/card-layouts/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/card-layouts", new { name = "mx-layout-" + r.Unique, elements = new[] { new { type = "qr" } } }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.CardLayouts.AnyAsync(x => x.Name == "mx-layout-" + r.Unique)))),
        ["PUT /api/v1/card-layouts/{name}"] = new(TargetKind.None, Ok,
            async r => await Json(HttpMethod.Put, $"/api/v1/card-layouts/{await FreshLayoutAsync(r)}",
                new { name = "mx-fresh-layout-" + r.Unique, description = "changed", elements = new[] { new { type = "photo" } } }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.CardLayouts.AnyAsync(x => x.Name == "mx-fresh-layout-" + r.Unique && x.Description == "changed")))),
        ["DELETE /api/v1/card-layouts/{name}"] = new(TargetKind.None, NoContent,
            async r => await Send(HttpMethod.Delete, $"/api/v1/card-layouts/{await FreshLayoutAsync(r)}"),
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.CardLayouts.AnyAsync(x => x.Name == "mx-fresh-layout-" + r.Unique)))),
    };
}
