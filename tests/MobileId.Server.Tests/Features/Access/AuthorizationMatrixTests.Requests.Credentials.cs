using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.Access;

public sealed partial class AuthorizationMatrixTests
{
    /// <summary>The matrix rows for mobile IDs, devices, certificates, email templates and notifications (merged into <see cref="Rows"/>).</summary>
    private static Dictionary<string, MatrixRow> CredentialRows() => new(StringComparer.Ordinal)
    {
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
}
