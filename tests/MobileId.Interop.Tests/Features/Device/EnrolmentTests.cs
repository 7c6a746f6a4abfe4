using System.Net.Http.Json;
using System.Security.Cryptography;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Interop.Tests.Features.Device;

/// <summary>The first step of collection: <c>POST /device/v1/enrol/{token}</c>.</summary>
public abstract partial class EnrolmentTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private static readonly string SessionKey = Convert.ToBase64String(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo());

    /// <summary>
    /// A person who may hold a profile with these restrictions, and a released request for it; the
    /// profile has one System Store certificate per (validity, CA) given (365 days from the built-in issuing CA when none is).
    /// </summary>
    private async Task<(Guid PersonId, string Token, string Code, Guid MobileId)> RequestAsync(DeviceRestriction restriction = DeviceRestriction.Any,
        params (int Days, string Ca)[] certificates)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var entries = new List<ProfileCertificateInput>();
        foreach (var ((days, ca), index) in (certificates.Length == 0 ? [(365, "MobileIdIssuingCA")] : certificates).Select((c, i) => (c, i)))
        {
            var policy = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Certificates.PoliciesService>().SaveAsync(
                Caller.System("test"), null,
                new MobileId.Server.Features.Certificates.PolicyInput($"auth-{tag}-{index}", ca, MobileId.Pki.Keys.KeyAlgorithm.EcdsaP256,
                    [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature], ["1.3.6.1.5.5.7.3.2"], "CN={displayName}",
                    null, null, null, days, null, null, null, null), CancellationToken.None));
            Assert.True(policy.IsSuccess, policy.Error?.Detail);
            entries.Add(new ProfileCertificateInput($"auth-{tag}-{index}", "System Store", CertificateMode.IssueNew));
        }

        var profile = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("phone-" + tag, null, null, restriction, null, null, null, null, null, null, null, null, entries,
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
        var person = await fixture.App.CreatePersonAsync("dev" + tag, null, $"dev{tag}@example.org", "Cardholder");
        var requested = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        return (person.Id, requested.Value!.Link.Split('/')[^1], requested.Value.Code!, requested.Value.Id);
    }

    /// <summary>Enrols a device and sends a CSR for each slot: the collection's client side, without confirming.</summary>
    private async Task<(string Session, JsonElement Package)> EnrolAndCollectAsync(HttpClient client, string token, string code, Guid mobileId, string serial,
        string platform, int slots)
    {
        var session = (await MobileIdApp.ReadJsonAsync(await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, serial, platform))))
            .GetProperty("sessionToken").GetString()!;
        var requests = Enumerable.Range(0, slots).Select(slot =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return new { slot, csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=device", key, HashAlgorithmName.SHA256).CreateSigningRequestPem() };
        }).ToArray();
        var response = await client.SendAsync(SessionCall($"/device/v1/collect/{mobileId}", new { certificateRequests = requests }, session));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var package = JsonDocument.Parse(Convert.FromBase64String((await MobileIdApp.ReadJsonAsync(response)).GetProperty("package").GetString()!)).RootElement.Clone();
        return (session, package);
    }

    private static HttpRequestMessage SessionCall(string path, object? body, string? sessionToken) => new(HttpMethod.Post, path)
    {
        Content = body is null ? null : JsonContent.Create(body),
        Headers = { Authorization = sessionToken is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Session", sessionToken) },
    };

    private static object Body(string code, string serial, string platform = "android", string[]? keyStores = null, string? sessionKey = null) => new
    {
        code, sessionKey = sessionKey ?? SessionKey,
        device = new { serialNumber = serial, platform, model = "Pixel 9", osVersion = "16", keyStores = keyStores ?? ["System Store"] },
    };

    private async Task<T> ChangeSettingAsync<T>(string key, object value, object restore, Func<Task<T>> action)
    {
        using var admin = await fixture.App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { [key] = value } })).StatusCode);
        try
        {
            return await action();
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { [key] = restore } })).StatusCode);
        }
    }

    [Fact]
    public async Task Enrol_RightCode_OpensASessionBoundToTheDeviceAndResumesOnlyThere()
    {
        // Arrange
        var (personId, token, code, mobileId) = await RequestAsync();
        using var client = fixture.App.CreateClient();
        var serial = "SN-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        var first = await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, serial));
        var resumed = await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code.Replace(" ", "", StringComparison.Ordinal), serial));
        var otherDevice = await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, serial + "-other"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(first);
        Assert.Equal(mobileId, body.GetProperty("mobileId").GetGuid());
        var slot = body.GetProperty("certificates")[0];
        Assert.Equal("device", slot.GetProperty("keyGeneration").GetString());
        Assert.Equal(JsonValueKind.Null, slot.GetProperty("skipped").ValueKind);
        Assert.True(body.GetProperty("policy").GetProperty("maximumRetryAttempts").GetInt32() >= 0);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.NotEqual(body.GetProperty("sessionToken").GetString(), (await MobileIdApp.ReadJsonAsync(resumed)).GetProperty("sessionToken").GetString());
        await MobileIdApp.AssertProblemAsync(otherDevice, 409, ErrorCodes.Conflict);
        var (device, mobile) = await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            return (await db.Devices.SingleAsync(d => d.SerialNumber == serial), await db.MobileIdentities.SingleAsync(m => m.Id == mobileId));
        });
        Assert.Equal(personId, device.OwnerId);
        Assert.Equal(DeviceStatus.Active, device.Status);
        Assert.Equal("android", device.Platform);
        Assert.Equal(MobileIdStatus.Collecting, mobile.Status);
        Assert.Equal(device.Id, mobile.DeviceId);
        Assert.Equal(32, mobile.SessionTokenHash!.Length);
    }

    [Fact]
    public async Task Enrol_DeviceWithoutTheContainer_SkipsThatCertificateAndSaysWhy()
    {
        var (_, token, code, _) = await RequestAsync();
        using var client = fixture.App.CreateClient();

        var response = await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, "SN-" + Guid.NewGuid().ToString("N")[..8], "cli", keyStores: []));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var slot = (await MobileIdApp.ReadJsonAsync(response)).GetProperty("certificates")[0];
        Assert.Equal("The device has no System Store key store.", slot.GetProperty("skipped").GetString());
    }

    [Fact]
    public async Task Enrol_KnownMobilesAndMyMobilesOnly_RefuseUnknownDevicesAndAcceptRegisteredOnes()
    {
        // Arrange
        var known = await RequestAsync(DeviceRestriction.KnownMobiles);
        var mine = await RequestAsync(DeviceRestriction.MyMobilesOnly);
        using var client = fixture.App.CreateClient();
        var registered = "SN-REG-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            db.Devices.Add(new MobileId.Server.Data.Device
            {
                Id = Guid.CreateVersion7(), SerialNumber = registered, Status = DeviceStatus.Registered, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        // Act
        var unknownDevice = await client.PostAsJsonAsync($"/device/v1/enrol/{known.Token}", Body(known.Code, "SN-NEW-" + Guid.NewGuid().ToString("N")[..8]));
        var registeredDevice = await client.PostAsJsonAsync($"/device/v1/enrol/{known.Token}", Body(known.Code, registered));
        var notMine = await client.PostAsJsonAsync($"/device/v1/enrol/{mine.Token}", Body(mine.Code, registered));

        // Assert
        var refused = await MobileIdApp.AssertProblemAsync(unknownDevice, 403, ErrorCodes.DeviceNotAllowed);
        Assert.Contains("Known Mobiles", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, registeredDevice.StatusCode);
        var other = await MobileIdApp.AssertProblemAsync(notMine, 403, ErrorCodes.DeviceNotAllowed);
        Assert.Contains("registered to another person", other.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(a => a.Action == "device.refused" && a.TargetPersonId == known.PersonId)));
    }

    [Fact]
    public async Task Enrol_FingerprintVerificationDuringUpdateOn_FailsWithTheBiometricMessage()
    {
        var (_, token, code, _) = await RequestAsync();
        using var client = fixture.App.CreateClient();

        var response = await ChangeSettingAsync("verifyFingerprintsDuringCardUpdate", true, false,
            () => client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, "SN-" + Guid.NewGuid().ToString("N")[..8])));

        var problem = await MobileIdApp.AssertProblemAsync(response, 422, ErrorCodes.NotEligible);
        Assert.Equal("Your mobile device is not compatible with biometric authentication", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Enrol_FingerprintVerificationDuringUnlockOnly_Enrols()
    {
        var (_, token, code, _) = await RequestAsync();
        using var client = fixture.App.CreateClient();

        var response = await ChangeSettingAsync("verifyFingerprintsDuringCardUnlock", true, false,
            () => client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, "SN-" + Guid.NewGuid().ToString("N")[..8])));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty((await MobileIdApp.ReadJsonAsync(response)).GetProperty("sessionToken").GetString()));
    }

    [Fact]
    public async Task Enrol_MaximumSessionCountZero_Answers503WithRetryAfterOnDeviceEndpointsAlone()
    {
        var (_, token, code, _) = await RequestAsync();
        using var client = fixture.App.CreateClient();

        var (device, health) = await ChangeSettingAsync("maximumSessionCount", 0, -1, async () =>
            (await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, "SN-" + Guid.NewGuid().ToString("N")[..8])), await client.GetAsync("/health/live")));

        var problem = await MobileIdApp.AssertProblemAsync(device, 503, ErrorCodes.SessionLimit);
        Assert.Contains("Maximum session count is 0", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(int.Parse(device.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task DeviceSessionGate_AtTheLimit_RefusesTheNextAndLetsInAfterOneLeaves()
    {
        var gate = new MobileId.Server.Features.Device.DeviceSessionGate();

        var first = gate.TryEnter(2);
        var second = gate.TryEnter(2);
        var third = gate.TryEnter(2);
        gate.Leave();
        var afterLeave = gate.TryEnter(2);

        Assert.True(first && second && afterLeave);
        Assert.False(third);
        Assert.Equal(2, gate.Active);
        Assert.False(gate.TryEnter(0));
        Assert.True(gate.TryEnter(-1));
    }

    [Theory]
    [InlineData("no serial", "device.serialNumber")]
    [InlineData("bad platform", "device.platform")]
    [InlineData("bad session key", "sessionKey")]
    [InlineData("rsa session key", "sessionKey")]
    public async Task Enrol_BadDeviceOrKey_Returns400NamingTheFieldAndUsesNoTry(string kind, string field)
    {
        var (_, token, code, mobileId) = await RequestAsync();
        using var client = fixture.App.CreateClient();
        using var rsa = RSA.Create(2048);
        var body = kind switch
        {
            "no serial" => Body(code, ""),
            "bad platform" => Body(code, "SN-1", "symbian"),
            "bad session key" => Body(code, "SN-1", sessionKey: "not base64!"),
            _ => Body(code, "SN-1", sessionKey: Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())),
        };

        var response = await client.PostAsJsonAsync($"/device/v1/enrol/{token}", body);

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities
            .Where(m => m.Id == mobileId).Select(m => m.CodeFailures).SingleAsync()));
    }

    [Fact]
    public async Task Enrol_UnknownLink_Returns404()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.PostAsJsonAsync("/device/v1/enrol/no-such-link", Body("12345678", "SN-1"));

        await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
    }
}

public sealed class SqliteEnrolmentTests(SqliteAppFixture fixture) : EnrolmentTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresEnrolmentTests(PostgresAppFixture fixture) : EnrolmentTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
