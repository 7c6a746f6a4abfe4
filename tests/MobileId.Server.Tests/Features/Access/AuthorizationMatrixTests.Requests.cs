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

    /// <summary>
    /// One row per endpoint: the pieces merged in this order, a key in a later piece replacing an
    /// earlier one as it would in one initializer.
    /// </summary>
    private static readonly Dictionary<string, MatrixRow> Rows = Merge(AccessRows(), ConfigurationRows(), CredentialRows());

    private static Dictionary<string, MatrixRow> Merge(params Dictionary<string, MatrixRow>[] pieces)
    {
        var rows = new Dictionary<string, MatrixRow>(StringComparer.Ordinal);
        foreach (var piece in pieces)
        {
            foreach (var (key, row) in piece)
            {
                rows[key] = row;
            }
        }

        return rows;
    }

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
