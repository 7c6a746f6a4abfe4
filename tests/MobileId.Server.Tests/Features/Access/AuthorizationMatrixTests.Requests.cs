using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.Access;

/// <summary>
/// The matrix's sample requests, one row per endpoint. Each is valid and repeatable when access is
/// granted: names are fresh, updates resend current values, deletes get a fresh object first.
/// </summary>
public sealed partial class AuthorizationMatrixTests
{
    private static readonly Expectation Ok = new(200, null, "allowed");
    private static readonly Expectation Created = new(201, null, "allowed");
    private static readonly Expectation NoContent = new(204, null, "allowed");

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];

    private static readonly Dictionary<string, MatrixRow> Rows = new(StringComparer.Ordinal)
    {
        // Sign-in: anonymous and RequiresCaller endpoints.
        ["POST /api/v1/auth/sign-in"] = new(TargetKind.None, Ok,
            r => Json(HttpMethod.Post, "/api/v1/auth/sign-in", new { logonName = r.World.SignInLogon, password = r.World.SignInPassword })),
        ["POST /api/v1/auth/sign-out"] = new(TargetKind.None, NoContent, _ => Send(HttpMethod.Post, "/api/v1/auth/sign-out")),
        ["POST /api/v1/auth/change-password"] = new(TargetKind.None,
            new Expectation(400, ErrorCodes.BadRequest, "passes access control; an API client has no password to change"),
            _ => Json(HttpMethod.Post, "/api/v1/auth/change-password", new { currentPassword = "not-a-password", newPassword = "Another-Long-Password-1" })),
        ["GET /api/v1/me"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/me"), VerifyAsync: VerifyMeAsync),

        // Edit Roles.
        ["GET /api/v1/roles/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/roles")),
        ["POST /api/v1/roles/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/roles", new { name = "mx-role-" + r.Unique, scope = "Department", workflows = new[] { "FindPerson" } }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-role-" + r.Unique)))),
        ["PUT /api/v1/roles/{id:guid}"] = new(TargetKind.None, Ok, async r =>
            {
                var id = await FreshRoleAsync(r);
                return await Json(HttpMethod.Put, $"/api/v1/roles/{id}",
                    new { name = "mx-fresh-" + r.Unique, description = "changed", scope = "Department", workflows = new[] { "FindPerson", "AddPerson" } });
            },
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique && x.Description == "changed")))),
        ["DELETE /api/v1/roles/{id:guid}"] = new(TargetKind.None, NoContent,
            async r => await Send(HttpMethod.Delete, $"/api/v1/roles/{await FreshRoleAsync(r)}"),
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique)))),
        ["PUT /api/v1/people/{id:guid}/roles"] = new(TargetKind.Person, Ok, async r =>
            {
                var roles = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().PersonRoles
                    .Where(x => x.PersonId == r.Target.Id).Select(x => x.Role!.Name).ToListAsync());
                return await Json(HttpMethod.Put, $"/api/v1/people/{r.Target.Id}/roles", new { roles });
            }),

        // API clients.
        ["GET /api/v1/api-clients/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/api-clients")),
        ["POST /api/v1/api-clients/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/api-clients", new { name = "mx-client-" + r.Unique, role = "Cardholder", scope = "Self", personId = r.World.Self.Id }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.ApiClients.AnyAsync(x => x.Name == "mx-client-" + r.Unique)))),
        ["DELETE /api/v1/api-clients/{id:guid}"] = new(TargetKind.None, NoContent, async r =>
            {
                var created = await r.App.WithServicesAsync(s => s.GetRequiredService<ApiClientsService>().CreateAsync(Caller.System("test"),
                    new CreateApiClientRequest("mx-fresh-" + r.Unique, "Cardholder", Scope.Self, r.World.Self.Id), CancellationToken.None));
                Assert.True(created.IsSuccess, created.Error?.Detail);
                return await Send(HttpMethod.Delete, $"/api/v1/api-clients/{created.Value!.Client.Id}");
            },
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.ApiClients.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique)))),

        // People.
        ["GET /api/v1/people/"] = new(TargetKind.PeopleList, Ok,
            _ => Send(HttpMethod.Get, "/api/v1/people?q=" + MatrixWorld.TargetLogonPrefix), VerifyAsync: VerifyPeopleListAsync),
        ["GET /api/v1/people/{id:guid}"] = new(TargetKind.Person, Ok, r => Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Id(body) == r.Target.Id ? null : $"the response is not {r.Target.Name}: {body}")),
        ["POST /api/v1/people/"] = new(TargetKind.NewInGroup, Created,
            r => Json(HttpMethod.Post, "/api/v1/people",
                new PersonInput("made." + r.Unique, "Made", "Person", null, null, r.Target.GroupId, null, null, null, null)),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.People.AnyAsync(x => x.LogonName == "made." + r.Unique)))),
        ["PUT /api/v1/people/{id:guid}"] = new(TargetKind.Person, Ok, async r =>
            {
                var p = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.AsNoTracking().SingleAsync(x => x.Id == r.Target.Id));
                return await Json(HttpMethod.Put, $"/api/v1/people/{p.Id}",
                    new PersonInput(p.LogonName, p.FirstName, p.LastName, p.Email, p.Mobile, p.GroupId, p.EmployeeId, p.JobTitle, p.Organization, p.Status, p.Version));
            }),
        ["GET /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, Ok, async r =>
            {
                await EnsurePhotoAsync(r);
                return await Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}/photo");
            }),
        ["PUT /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, NoContent, r =>
            {
                var content = new ByteArrayContent(Png);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                return Task.FromResult(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/people/{r.Target.Id}/photo") { Content = content });
            }),
        ["DELETE /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, NoContent, async r =>
            {
                await EnsurePhotoAsync(r);
                return await Send(HttpMethod.Delete, $"/api/v1/people/{r.Target.Id}/photo");
            }),
        ["POST /api/v1/people/{id:guid}/password"] = new(TargetKind.Person, Ok,
            r => Send(HttpMethod.Post, $"/api/v1/people/{r.Target.Id}/password"), TargetRolesMustBeHeld: true),
        ["POST /api/v1/people/import"] = new(TargetKind.ImportInGroup, Ok, r =>
            {
                var csv = $"logonName,lastName,group\nmade.{r.Unique},Imported,{r.World.GroupPaths[r.Target.GroupId]}\n";
                return Task.FromResult(new HttpRequestMessage(HttpMethod.Post, "/api/v1/people/import")
                {
                    Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
                });
            },
            VerifyAsync: async (r, body) =>
                r.Expected.Status == 400 && !body.Contains("outside the scope", StringComparison.Ordinal)
                    ? $"the rejected row does not say it is outside the scope: {body}"
                    : CreatedWhenAllowed(r, await ExistsAsync(r, db => db.People.AnyAsync(x => x.LogonName == "made." + r.Unique)))),

        // Groups.
        ["GET /api/v1/groups/"] = new(TargetKind.GroupList, Ok, _ => Send(HttpMethod.Get, "/api/v1/groups?pageSize=200"), VerifyAsync: VerifyGroupListAsync),
        ["POST /api/v1/groups/"] = new(TargetKind.NewInGroup, Created,
            r => Json(HttpMethod.Post, "/api/v1/groups", new { name = "mx-group-" + r.Unique, parentId = r.Target.GroupId }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.Groups.AnyAsync(x => x.Name == "mx-group-" + r.Unique)))),

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

        // Mobile IDs.
        ["POST /api/v1/people/{id:guid}/mobile-ids"] = new(TargetKind.Person, Created,
            async r => await Json(HttpMethod.Post, $"/api/v1/people/{r.Target.Id}/mobile-ids", new { profile = await MatrixProfileAsync(r) })),
        ["GET /api/v1/people/{id:guid}/mobile-ids"] = new(TargetKind.Person, Ok, r => Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}/mobile-ids")),
        ["GET /api/v1/people/{id:guid}/requestable-profiles"] = new(TargetKind.Person, Ok, r => Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}/requestable-profiles")),
        ["GET /api/v1/mobile-ids"] = new(TargetKind.None, Ok, r => Send(HttpMethod.Get, $"/api/v1/mobile-ids?personId={r.Target.Id}")),
        ["POST /api/v1/me/mobile-ids"] = new(TargetKind.None, Created,
            async r => await Json(HttpMethod.Post, "/api/v1/me/mobile-ids", new { profile = await MatrixProfileAsync(r) })),
        ["GET /api/v1/mobile-ids/{id:guid}"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Get, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r)}")),
        ["POST /api/v1/mobile-ids/{id:guid}/validate"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r)}/validate"), NeverForOneself: true),
        ["POST /api/v1/mobile-ids/{id:guid}/cancel"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r, MobileIdStatus.Issued)}/cancel", new { reason = "cessationOfOperation" }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await MobileIdOfRequestIsAsync(r, MobileIdStatus.Cancelled))),
        ["POST /api/v1/mobile-ids/{id:guid}/disable"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r, MobileIdStatus.Issued)}/disable", new { reason = "lost" }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await MobileIdOfRequestIsAsync(r, MobileIdStatus.Disabled))),
        ["POST /api/v1/mobile-ids/{id:guid}/enable"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r, MobileIdStatus.Disabled)}/enable", new { }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await MobileIdOfRequestIsAsync(r, MobileIdStatus.Issued))),
        ["POST /api/v1/mobile-ids/{id:guid}/replace"] = new(TargetKind.Person,
            new Expectation(422, ErrorCodes.NotEligible, "passes access control; the matrix's people have neither email nor phone, so Request ID's check refuses"),
            async r => await Json(HttpMethod.Post, $"/api/v1/mobile-ids/{await FreshMobileIdAsync(r, MobileIdStatus.Issued)}/replace", new { reason = "lost" }),
            VerifyAsync: async (r, _) => await MobileIdOfRequestIsAsync(r, MobileIdStatus.Issued) ? null : "the refused replacement changed the mobile ID"),

        // Devices (Device Management API).
        ["POST /api/v1/devices"] = new(TargetKind.Person, Created,
            r => Json(HttpMethod.Post, "/api/v1/devices", new { serialNumber = "mx-" + r.Unique, platform = "android", ownerId = r.Target.Id }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.Devices.AnyAsync(x => x.SerialNumber == "mx-" + r.Unique)))),
        ["GET /api/v1/devices"] = new(TargetKind.None, Ok, r => Send(HttpMethod.Get, $"/api/v1/devices?ownerId={r.Target.Id}")),
        ["GET /api/v1/devices/{id:guid}"] = new(TargetKind.Person, Ok, async r => await Send(HttpMethod.Get, $"/api/v1/devices/{await FreshDeviceAsync(r)}"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Parse(body).GetProperty("serialNumber").GetString() == "mx-" + r.Unique ? null : $"not the device: {body}")),
        ["GET /api/v1/devices/{id:guid}/certificates"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Get, $"/api/v1/devices/{await FreshDeviceAsync(r)}/certificates"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Parse(body).GetProperty("total").GetInt32() == 0 ? null : $"a new device has no certificates: {body}")),
        ["POST /api/v1/devices/{id:guid}/cancel"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/devices/{await FreshDeviceAsync(r)}/cancel"),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.Devices.AnyAsync(x => x.SerialNumber == "mx-" + r.Unique && x.Status == DeviceStatus.Cancelled)))),

        ["POST /api/v1/devices/{id:guid}/unlock-code"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/devices/{await FreshUnlockAsync(r)}/unlock-code", new { challenge = MatrixChallenge }),
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.UnlockRequests.AnyAsync(u => u.Challenge == MatrixChallenge.Replace(" ", "")
                && u.CodeHash != null && db.Devices.Any(d => d.Id == u.DeviceId && d.SerialNumber == "mx-" + r.Unique)))), NeverForOneself: true),
        ["POST /api/v1/devices/{id:guid}/unlock-verification"] = new(TargetKind.Person,
            new Expectation(409, ErrorCodes.Conflict, "passes access control; the matrix profile does not require caller verification"),
            async r => await Json(HttpMethod.Post, $"/api/v1/devices/{await FreshUnlockAsync(r)}/unlock-verification", new { challenge = MatrixChallenge }),
            NeverForOneself: true),

        // Certificates.
        ["GET /api/v1/people/{id:guid}/certificates"] = new(TargetKind.Person, Ok, r => Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}/certificates")),
        ["POST /api/v1/people/{id:guid}/certificates"] = new(TargetKind.Person, Created, async r =>
            {
                await FreshPolicyAsync(r, MatrixPolicy);
                using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=device", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
                    .CreateSigningRequestPem();
                return await Json(HttpMethod.Post, $"/api/v1/people/{r.Target.Id}/certificates", new { policy = MatrixPolicy, csr });
            }),
        ["POST /api/v1/people/{id:guid}/pfx"] = new(TargetKind.Person, Created, r =>
            {
                using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=mx-" + r.Unique, key,
                    System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
                var pfx = certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw");
                return Json(HttpMethod.Post, $"/api/v1/people/{r.Target.Id}/pfx", new { pfx = Convert.ToBase64String(pfx), password = "pw" });
            }),
        ["POST /api/v1/certificates/{id:guid}/revoke"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/certificates/{await FreshCertificateAsync(r, hold: false)}/revoke", new { reason = "KeyCompromise" })),
        ["POST /api/v1/certificates/{id:guid}/hold"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/certificates/{await FreshCertificateAsync(r, hold: false)}/hold")),
        ["POST /api/v1/certificates/{id:guid}/release"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/certificates/{await FreshCertificateAsync(r, hold: true)}/release")),
        ["GET /api/v1/certificates/{id:guid}/"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Get, $"/api/v1/certificates/{await FreshCertificateAsync(r, hold: false)}")),
        ["POST /api/v1/certificates/{id:guid}/recover"] = new(TargetKind.Person, Ok,
            async r => await Json(HttpMethod.Post, $"/api/v1/certificates/{await FreshArchivedCertificateAsync(r)}/recover", new { pkcs12Password = "matrix-password-1" }),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Parse(body).GetProperty("pkcs12").GetString()!.Length > 100 ? null : $"no PKCS#12: {body}")),

        // Email Templates.
        ["GET /api/v1/email-templates/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/email-templates")),
        ["GET /api/v1/email-templates/{key}"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/email-templates/mobile-renewed-sms")),
        ["PUT /api/v1/email-templates/{key}"] = new(TargetKind.None, Ok, _ =>
            {
                var current = MobileId.Server.Features.Notifications.TemplateCatalog.ByKey["mobile-renewed-sms"];
                return Json(HttpMethod.Put, "/api/v1/email-templates/mobile-renewed-sms", new { subject = current.Subject, body = current.Body });
            }),
        ["DELETE /api/v1/email-templates/{key}"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Delete, "/api/v1/email-templates/mobile-renewed-sms")),
        ["POST /api/v1/email-templates/{key}/preview"] = new(TargetKind.None, Ok,
            _ => Json(HttpMethod.Post, "/api/v1/email-templates/mobile-renewed-sms/preview", new { })),

        // Notifications (Request ID, scope over the notification's person).
        ["GET /api/v1/notifications/"] = new(TargetKind.None, Ok, r => Send(HttpMethod.Get, $"/api/v1/notifications?personId={r.Target.Id}")),
        ["POST /api/v1/notifications/{id:guid}/resend"] = new(TargetKind.Person, Ok,
            async r => await Send(HttpMethod.Post, $"/api/v1/notifications/{await FailedNotificationAsync(r)}/resend")),
    };

    /// <summary>Where the matrix's webhooks point: the discard port on loopback, which refuses at once.</summary>
    private const string WebhookUrl = "http://127.0.0.1:9/mobileid";

    /// <summary>A new webhook subscription named <c>mx-fresh-hook-</c> and the request's unique part.</summary>
    private static async Task<Guid> FreshWebhookAsync(MatrixRequest r)
    {
        var created = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Webhooks.WebhooksService>().CreateAsync(Caller.System("test"),
            new MobileId.Server.Features.Webhooks.WebhookInput("mx-fresh-hook-" + r.Unique, WebhookUrl, ["issued"], true), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!.Webhook.Id;
    }

    /// <summary>A delivery of a fresh subscription whose attempts all failed.</summary>
    private static async Task<Guid> FailedWebhookDeliveryAsync(MatrixRequest r)
    {
        var subscription = await FreshWebhookAsync(r);
        var id = Guid.NewGuid();
        await r.App.WithDbAsync(db =>
        {
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = id, SubscriptionId = subscription, EventType = "issued", Payload = "{\"mx\":\"" + r.Unique + "\"}",
                Status = WebhookDeliveryStatus.Failed, Attempts = 3, NextAttemptAt = DateTime.UtcNow, CreatedAt = DateTime.UtcNow, LastError = "test",
            });
            return db.SaveChangesAsync();
        });
        return id;
    }

    /// <summary>A notification about the target person whose attempts all failed, made through the outbox.</summary>
    private static Task<Guid> FailedNotificationAsync(MatrixRequest r) =>
        r.App.WithServicesAsync(async s =>
        {
            var queued = await s.GetRequiredService<MobileId.Server.Features.Notifications.NotificationOutbox>().EnqueueEmailAsync(
                "mx-" + r.Unique + "@example.org", MobileId.Server.Features.Notifications.TemplateCatalog.MobileRenewedEmail,
                new Dictionary<string, string>(), new MobileId.Server.Features.Notifications.NotificationSubject(r.Target.Id), CancellationToken.None);
            Assert.True(queued.IsSuccess, queued.Error?.Detail);
            queued.Value!.Status = NotificationStatus.Failed;
            queued.Value.Attempts = 6;
            queued.Value.LastError = "test";
            await s.GetRequiredService<MobileIdDbContext>().SaveChangesAsync();
            return queued.Value.Id;
        });

    private const string MatrixPolicy = "mx-device-policy";

    private static object PolicyBody(string name, int validityDays = 365) => new
    {
        name, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" },
        extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" }, subjectTemplate = "CN={displayName}", validityDays,
    };

    private static object ProfileBody(string name, bool requireValidation = false) => new
    {
        name, cardEncoding = "IdentityAgent", cardFormat = "Mobile", requireValidation,
        roles = new[] { new { role = "Cardholder", canReceive = true, canRequest = false, canValidate = false, canCollect = true, canUnlock = false } },
    };

    private const string MatrixProfile = "mx-mobile-profile";

    /// <summary>A profile that requires validation, where every built-in role may do everything.</summary>
    private static async Task<string> MatrixProfileAsync(MatrixRequest r)
    {
        await r.App.WithServicesAsync(async s =>
        {
            if (!await s.GetRequiredService<MobileIdDbContext>().CredentialProfiles.AnyAsync(p => p.Name == MatrixProfile))
            {
                var roles = MobileId.Server.Features.Setup.InitService.BuiltInRoles
                    .Select(role => new MobileId.Server.Features.Profiles.ProfileRoleInput(role.Name, true, true, true, true, true)).ToList();
                var created = await s.GetRequiredService<MobileId.Server.Features.Profiles.ProfilesService>().SaveAsync(Caller.System("test"), null,
                    new MobileId.Server.Features.Profiles.ProfileInput(MatrixProfile, null, null, null, true, null, null, null, null, null, null, null, null, roles),
                    CancellationToken.None);
                Assert.True(created.IsSuccess || created.Error!.Code == ErrorCodes.Conflict, created.Error?.Detail);
            }

            return true;
        });
        return MatrixProfile;
    }

    /// <summary>A mobile ID of the target person in this state (by default a request awaiting validation), requested by nobody in the matrix.</summary>
    private static async Task<Guid> FreshMobileIdAsync(MatrixRequest r, MobileIdStatus status = MobileIdStatus.AwaitingValidation)
    {
        await MatrixProfileAsync(r);
        return await r.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var mobileId = new MobileIdentity
            {
                Id = Guid.CreateVersion7(), PersonId = r.Target.Id, ProfileId = await db.CredentialProfiles.Where(p => p.Name == MatrixProfile).Select(p => p.Id).SingleAsync(),
                Status = status, Channel = DeliveryChannel.QrCode, RequestedByName = "matrix " + r.Unique, RequestedAt = DateTime.UtcNow,
                LinkToken = Guid.NewGuid().ToString("N"), UpdatedAt = DateTime.UtcNow,
            };
            db.MobileIdentities.Add(mobileId);
            await db.SaveChangesAsync();
            return mobileId.Id;
        });
    }

    /// <summary>Whether the mobile ID made for this request by <see cref="FreshMobileIdAsync"/> is in this state.</summary>
    private static Task<bool> MobileIdOfRequestIsAsync(MatrixRequest r, MobileIdStatus status) =>
        ExistsAsync(r, db => db.MobileIdentities.AnyAsync(m => m.RequestedByName == "matrix " + r.Unique && m.Status == status));

    /// <summary>A device registered to the target person, serial number <c>mx-{unique}</c>.</summary>
    private static Task<Guid> FreshDeviceAsync(MatrixRequest r) =>
        r.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var device = new MobileId.Server.Data.Device
            {
                Id = Guid.CreateVersion7(), SerialNumber = "mx-" + r.Unique, Platform = "android", OwnerId = r.Target.Id, Status = DeviceStatus.Registered,
                CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            };
            db.Devices.Add(device);
            await db.SaveChangesAsync();
            return device.Id;
        });

    private const string MatrixChallenge = "4711 0815";

    /// <summary>The device <c>mx-{unique}</c> of an Issued mobile ID of the target person, with an open unlock request showing <see cref="MatrixChallenge"/>.</summary>
    private static async Task<Guid> FreshUnlockAsync(MatrixRequest r)
    {
        var mobileId = await FreshMobileIdAsync(r, MobileIdStatus.Issued);
        var device = await FreshDeviceAsync(r);
        await r.App.WithDbAsync(async db =>
        {
            var issued = await db.MobileIdentities.SingleAsync(m => m.Id == mobileId);
            issued.DeviceId = device;
            issued.UnlockTokenHash = new byte[32];
            issued.UnlockKey = new byte[60];
            using var key = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            db.UnlockRequests.Add(new UnlockRequest
            {
                Id = Guid.CreateVersion7(), MobileIdentityId = mobileId, DeviceId = device, Challenge = MatrixChallenge.Replace(" ", ""),
                DeviceKey = key.ExportSubjectPublicKeyInfo(), CreatedAt = DateTime.UtcNow, ExpiresAt = DateTime.UtcNow.AddMinutes(30),
            });
            await db.SaveChangesAsync();
        });
        return device;
    }

    /// <summary>A profile made directly through the service, named for this request.</summary>
    private static async Task<Guid> FreshProfileAsync(MatrixRequest r)
    {
        var created = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Profiles.ProfilesService>().SaveAsync(
            Caller.System("test"), null,
            new MobileId.Server.Features.Profiles.ProfileInput("mx-fresh-profile-" + r.Unique, null, null, null, null, null, null, null, null, null, null, null, null, null),
            CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!.Id;
    }

    private static async Task<string> FreshLayoutAsync(MatrixRequest r)
    {
        var created = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Layouts.CardLayouts>().SaveAsync(Caller.System("test"), null,
            new MobileId.Server.Features.Layouts.CardLayoutInput("mx-fresh-layout-" + r.Unique, null, [new MobileId.Server.Features.Layouts.LayoutElement("qr")]),
            CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!.Name;
    }

    /// <summary>A policy made directly through the service (or the existing one of that name).</summary>
    private static async Task<Guid> FreshPolicyAsync(MatrixRequest r, string name)
    {
        var existing = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificatePolicies
            .Where(p => p.Name == name).Select(p => (Guid?)p.Id).SingleOrDefaultAsync());
        if (existing is { } id)
        {
            return id;
        }

        var created = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Certificates.PoliciesService>().SaveAsync(
            Caller.System("test"), null,
            new MobileId.Server.Features.Certificates.PolicyInput(name, "MobileIdIssuingCA", MobileId.Pki.Keys.KeyAlgorithm.EcdsaP256,
                [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature], ["1.3.6.1.5.5.7.3.2"], "CN={displayName}",
                null, null, null, 365, null, null, null, null),
            CancellationToken.None));
        Assert.True(created.IsSuccess || created.Error!.Code == ErrorCodes.Conflict, created.Error?.Detail);
        return created.IsSuccess ? created.Value!.Id : await FreshPolicyAsync(r, name);
    }

    /// <summary>A certificate of the target person, issued (and held) directly through the service.</summary>
    private static async Task<Guid> FreshCertificateAsync(MatrixRequest r, bool hold)
    {
        var issued = await r.App.IssueLeafAsync("matrix", r.Target.Id);
        if (hold)
        {
            var held = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Certificates.CertificateService>().RevokeAsync(
                Caller.System("test"), issued.Id, System.Security.Cryptography.X509Certificates.X509RevocationReason.CertificateHold, CancellationToken.None));
            Assert.True(held.IsSuccess, held.Error?.Detail);
        }

        return issued.Id;
    }

    /// <summary>A certificate of the target person whose server-made key is archived.</summary>
    private static async Task<Guid> FreshArchivedCertificateAsync(MatrixRequest r)
    {
        const string policy = "mx-archive-policy";
        await r.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            if (!await db.CertificatePolicies.AnyAsync(p => p.Name == policy))
            {
                var created = await s.GetRequiredService<MobileId.Server.Features.Certificates.PoliciesService>().SaveAsync(Caller.System("test"), null,
                    new MobileId.Server.Features.Certificates.PolicyInput(policy, "MobileIdIssuingCA", MobileId.Pki.Keys.KeyAlgorithm.Rsa2048,
                        [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyEncipherment], ["1.3.6.1.5.5.7.3.4"], "CN={displayName}",
                        true, null, null, 365, MobileId.Pki.Policies.KeyGeneration.Server, true, null, null),
                    CancellationToken.None);
                Assert.True(created.IsSuccess || created.Error!.Code == ErrorCodes.Conflict, created.Error?.Detail);
            }

            return true;
        });
        return await r.App.WithServicesAsync(async s =>
        {
            var issued = await s.GetRequiredService<MobileId.Server.Features.Certificates.CertificateIssuance>().IssueAsync(Caller.System("test"), r.Target.Id,
                new MobileId.Server.Features.Certificates.IssueCertificateRequest(policy, null, "matrix-password-1"), CancellationToken.None);
            Assert.True(issued.IsSuccess, issued.Error?.Detail);
            return issued.Value.Certificate.Id;
        });
    }

    private static Task<HttpRequestMessage> Send(HttpMethod method, string path) => Task.FromResult(new HttpRequestMessage(method, path));

    private static Task<HttpRequestMessage> Json(HttpMethod method, string path, object body) =>
        Task.FromResult(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, options: MobileIdApp.Json) });

    private static JsonElement Parse(string body) => JsonDocument.Parse(body).RootElement;

    private static Guid? Id(string body) => Parse(body).TryGetProperty("id", out var id) ? id.GetGuid() : null;

    private static Task<bool> ExistsAsync(MatrixRequest r, Func<MobileIdDbContext, Task<bool>> query) =>
        r.App.WithServicesAsync(s => query(s.GetRequiredService<MobileIdDbContext>()));

    /// <summary>Something is created exactly when the request succeeds: a refused request leaves nothing behind.</summary>
    private static string? CreatedWhenAllowed(MatrixRequest r, bool exists) =>
        exists == r.Expected.Succeeds ? null : exists ? "the object was created although the request was refused" : "the object was not created";

    private static string? ChangedWhenAllowed(MatrixRequest r, bool changed) =>
        changed == r.Expected.Succeeds ? null : changed ? "the object changed although the request was refused" : "the object did not change";

    private static string? DeletedWhenAllowed(MatrixRequest r, bool exists) =>
        exists != r.Expected.Succeeds ? null : exists ? "the object was not deleted" : "the object was deleted although the request was refused";

    private static async Task<Guid> FreshRoleAsync(MatrixRequest r)
    {
        var created = await r.App.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput("mx-fresh-" + r.Unique, null, Scope.Department, [Workflow.FindPerson], null, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!.Id;
    }

    private static async Task EnsurePhotoAsync(MatrixRequest r)
    {
        var error = await r.App.WithServicesAsync(s => s.GetRequiredService<PeopleService>().SetPhotoAsync(
            Caller.System("test"), r.Target.Id, "image/png", Png, CancellationToken.None));
        Assert.Null(error);
    }

    private static Task<string?> VerifyMeAsync(MatrixRequest r, string body)
    {
        if (!r.Expected.Succeeds)
        {
            return Task.FromResult<string?>(null);
        }

        var grants = Parse(body).GetProperty("grants").EnumerateArray()
            .Select(g => $"{g.GetProperty("workflow").GetString()}:{g.GetProperty("scope").GetString()}").Order(StringComparer.Ordinal).ToList();
        var expected = r.Role.Workflows.Select(w => $"{w}:{r.Scope}").Order(StringComparer.Ordinal).ToList();
        return Task.FromResult(grants.SequenceEqual(expected)
            ? null
            : $"/me lists grants [{string.Join(", ", grants)}], the role with the client's scope gives [{string.Join(", ", expected)}]");
    }

    private static Task<string?> VerifyPeopleListAsync(MatrixRequest r, string body)
    {
        if (!r.Expected.Succeeds)
        {
            return Task.FromResult<string?>(null);
        }

        var listed = Parse(body).GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()).ToHashSet();
        var expected = r.World.Targets.Where(t => r.World.Covers(r.Scope, t)).ToList();
        var wrong = r.World.Targets.Where(t => listed.Contains(t.Id) != expected.Contains(t)).Select(t => listed.Contains(t.Id) ? $"+{t}" : $"-{t}").ToList();
        return Task.FromResult(wrong.Count == 0 && listed.Count == expected.Count
            ? null
            : $"the search should list exactly [{string.Join(", ", expected)}]; wrongly listed (+) or missing (-): [{string.Join(", ", wrong)}], {listed.Count} listed");
    }

    private static Task<string?> VerifyGroupListAsync(MatrixRequest r, string body)
    {
        if (!r.Expected.Succeeds)
        {
            return Task.FromResult<string?>(null);
        }

        var listed = Parse(body).GetProperty("items").EnumerateArray().Select(g => g.GetProperty("id").GetGuid()).ToHashSet();
        var wrong = r.World.Groups.Where(g => listed.Contains(g) != r.World.ListsGroup(r.Scope, g))
            .Select(g => (listed.Contains(g) ? "+" : "-") + r.World.GroupPaths[g]).ToList();
        return Task.FromResult(wrong.Count == 0 ? null : $"groups wrongly listed (+) or missing (-): [{string.Join(", ", wrong)}]");
    }

    private static Task<string?> VerifyAuditListAsync(MatrixRequest r, string body)
    {
        if (!r.Expected.Succeeds)
        {
            return Task.FromResult<string?>(null);
        }

        var page = Parse(body);
        var total = page.GetProperty("total").GetInt32();
        var others = page.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("targetPersonId").GetString() != r.Target.Id.ToString("D"));
        var covered = r.World.Covers(r.Scope, r.Target);
        return Task.FromResult(
            covered && (total == 0 || others > 0) ? $"expected the records about {r.Target} only, got {total} records of which {others} about others"
            : !covered && total > 0 ? $"{r.Target} is outside scope {r.Scope} but {total} audit records about the person are listed"
            : null);
    }
}
