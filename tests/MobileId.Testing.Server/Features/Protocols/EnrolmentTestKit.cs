using MobileId.Pki.Keys;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Testing.Features.Protocols;

/// <summary>A request of a Device Identity (Only) profile with Require Challenge: its one-time code (digits, no spaces) and its person.</summary>
public sealed record ChallengeRequest(MobileIdView Request, MobileId.Server.Features.People.PersonView Person, string Profile)
{
    public string Code => Request.Code!.Replace(" ", "", StringComparison.Ordinal);
}

/// <summary>
/// What the SCEP, EST and iOS OTA tests share: a fresh server on loopback whose <b>Web Server
/// External Address</b> is its own address, a temporary folder for keys, requests and answers,
/// Device Identity (Only) profiles with Require Challenge, requests with their one-time code, and
/// the CA chain as PEM for <c>openssl verify</c>.
/// </summary>
public abstract class EnrolmentTestKit : LoopbackServerTest
{
    protected const string IssuingCa = "MobileIdIssuingCA";

    /// <summary>The temporary folder of this test, deleted afterwards.</summary>
    protected string Dir { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Dir = Directory.CreateTempSubdirectory("mid-enrol-").FullName;
        // Note: straight through the service, because the test's HTTP clients do not trust a server on HTTPS (EST).
        var updated = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Settings.SettingsService>().UpdateAsync(Caller.System("test"),
            new Dictionary<string, JsonElement> { ["webServerExternalAddress"] = JsonSerializer.SerializeToElement(Base) }, CancellationToken.None));
        Assert.True(updated.IsSuccess, updated.Error?.Detail);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    /// <summary>
    /// A certificate policy (device-made key of this algorithm; digitalSignature, and keyEncipherment for RSA; client authentication; CN={displayName},
    /// from the built-in issuing CA) and a Device Identity (Only) profile with Require Challenge that
    /// Cardholders may receive and collect; <paramref name="staticChallenge"/> also gives it a static challenge.
    /// </summary>
    protected async Task DeviceProfileAsync(string name, string keyAlgorithm = "Rsa2048", DeviceRestriction? restriction = null, string? staticChallenge = null)
    {
        var policy = "device-" + name;
        var algorithm = Enum.Parse<MobileId.Pki.Keys.KeyAlgorithm>(keyAlgorithm);
        var created = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Certificates.PoliciesService>().SaveAsync(Caller.System("test"), null,
            new MobileId.Server.Features.Certificates.PolicyInput(policy, IssuingCa, algorithm,
                algorithm.IsEcdsa() ? [X509KeyUsageFlags.DigitalSignature] : [X509KeyUsageFlags.DigitalSignature, X509KeyUsageFlags.KeyEncipherment],
                ["1.3.6.1.5.5.7.3.2"], "CN={displayName}", null, null, null, 365, null, null, null, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        var profile = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput(name, null, CardEncoding.DeviceIdentityOnly, restriction, false, null, null, null, null, null, null, RequireChallenge: true,
                [new ProfileCertificateInput(policy, "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)], StaticChallenge: staticChallenge), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
    }

    /// <summary>A new Device Identity (Only) profile (RSA-2048 unless told) and a Cardholder with a request of it: the one-time code to enrol with.</summary>
    protected async Task<ChallengeRequest> ChallengeAsync(string keyAlgorithm = "Rsa2048")
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var profile = "device-id-" + tag;
        await DeviceProfileAsync(profile, keyAlgorithm);
        return await RequestAsync(profile, "dev" + tag);
    }

    /// <summary>A Cardholder with this logon name (and an email) and a request of the profile.</summary>
    protected async Task<ChallengeRequest> RequestAsync(string profile, string logonName)
    {
        var person = await App.CreatePersonAsync(logonName, null, $"{logonName}@example.org", "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput(profile, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        return new ChallengeRequest(requested.Value!, person, profile);
    }

    /// <summary>Writes the issuing CA's chain (<c>/pki/ca/{ca}.pem</c>) to <c>{Dir}/chain.pem</c> and returns the path.</summary>
    protected async Task<string> ChainPemAsync()
    {
        using var http = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || presented is not null && presented.RawData.AsSpan().SequenceEqual(HttpsCertificate?.RawData),
        });
        var path = Path.Combine(Dir, "chain.pem");
        await File.WriteAllTextAsync(path, await http.GetStringAsync($"{Base}/pki/ca/{IssuingCa}.pem"));
        return path;
    }

    /// <summary>Runs <c>openssl verify</c> of a PEM certificate against the CA chain; asserts it verifies.</summary>
    protected async Task AssertVerifiesAsync(string certificatePem)
    {
        var verify = await ExternalTool.RunAsync("openssl", $"verify -CAfile {await ChainPemAsync()} {certificatePem}");
        Assert.True(verify.Code == 0, verify.Output);
    }

    /// <summary>The issued certificates of a mobile ID request, with their device, from the database.</summary>
    protected Task<List<IssuedCertificate>> IssuedForAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId).ToListAsync());

    /// <summary>The request as stored now.</summary>
    protected Task<MobileIdentity> StoredAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.AsNoTracking().SingleAsync(m => m.Id == mobileId));

    /// <summary>Loads a PEM or DER certificate file.</summary>
    protected static X509Certificate2 LoadCertificate(string path) =>
        File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(File.ReadAllText(path))
            : X509CertificateLoader.LoadCertificateFromFile(path);
}
