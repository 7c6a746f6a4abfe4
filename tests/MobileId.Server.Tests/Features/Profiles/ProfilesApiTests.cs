using System.Text;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Features.Profiles;

public abstract class ProfilesApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private static object PolicyBody(string name, bool serverKey = false, bool archive = false, bool renew = false) => new
    {
        name, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { archive ? "KeyAgreement" : "DigitalSignature" },
        extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.4" }, subjectTemplate = "CN={displayName}", validityDays = 365,
        keyGeneration = serverKey ? "Server" : "Device", archive, automaticRenewal = renew, renewalDaysBeforeExpiry = renew ? 30 : 0,
    };

    private async Task<(HttpClient Admin, string Device, string Archived, string Renewing)> ArrangeAsync()
    {
        var admin = await fixture.App.AdminClientAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var names = (Device: "dev-" + suffix, Archived: "arc-" + suffix, Renewing: "ren-" + suffix);
        foreach (var body in new[] { PolicyBody(names.Device), PolicyBody(names.Archived, serverKey: true, archive: true), PolicyBody(names.Renewing, renew: true) })
        {
            var created = await admin.PostAsJsonAsync("/api/v1/policies", body);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        return (admin, names.Device, names.Archived, names.Renewing);
    }

    private static Dictionary<string, object?> Profile(string name, params (string Key, object? Value)[] changes)
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = name, ["cardEncoding"] = "IdentityAgent", ["cardFormat"] = "Mobile", ["deviceRestriction"] = "Any",
            ["certificates"] = Array.Empty<object>(), ["roles"] = Array.Empty<object>(),
        };
        foreach (var (key, value) in changes)
        {
            body[key] = value;
        }

        return body;
    }

    [Fact]
    public async Task Create_EveryField_IsSavedShownAndAudited()
    {
        // Arrange
        var (admin, device, archived, _) = await ArrangeAsync();
        using var _ = admin;
        var name = "Staff mobile ID " + Guid.NewGuid().ToString("N")[..6];
        var body = Profile(name,
            ("description", "Badge, sign-in and mail"), ("deviceRestriction", "KnownMobiles"), ("requireValidation", true), ("allowFace", true),
            ("allowFingerprint", true), ("requireFingerprintsAtIssuance", "NeverRequired"), ("requireFacialBiometrics", "NeverRequired"),
            ("requireCallerVerification", true),
            ("certificates", new object[]
            {
                new { policy = device, container = "System Store", mode = "IssueNew" },
                new { policy = archived, mode = "UseExisting" },
                new { policy = archived, container = "system store", mode = "HistoricOnly" },
                new { container = "System Store", mode = "Unmanaged" },
            }),
            ("roles", new object[]
            {
                new { role = "Cardholder", canReceive = true, canCollect = true, canRequest = true },
                new { role = "Helpdesk", canRequest = true, canValidate = true, canUnlock = true },
            }));

        // Act
        var created = await admin.PostAsJsonAsync("/api/v1/profiles", body);
        var id = (await MobileIdApp.ReadJsonAsync(created)).GetProperty("id").GetGuid();
        var shown = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/profiles/{id}"));

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(name, shown.GetProperty("name").GetString());
        Assert.Equal("KnownMobiles", shown.GetProperty("deviceRestriction").GetString());
        Assert.True(shown.GetProperty("requireValidation").GetBoolean());
        Assert.True(shown.GetProperty("requireCallerVerification").GetBoolean());
        Assert.Equal(["PIN", "Face", "Fingerprint"], shown.GetProperty("authenticationTypes").EnumerateArray().Select(e => e.GetString()));
        var certificates = shown.GetProperty("certificates").EnumerateArray().ToList();
        Assert.Equal(["IssueNew", "UseExisting", "HistoricOnly", "Unmanaged"], certificates.Select(c => c.GetProperty("mode").GetString()));
        Assert.All(certificates, c => Assert.Equal("System Store", c.GetProperty("container").GetString()));
        Assert.Equal(JsonValueKind.Null, certificates[3].GetProperty("policy").ValueKind);
        var roles = shown.GetProperty("roles").EnumerateArray().ToList();
        Assert.Equal(["Cardholder", "Helpdesk"], roles.Select(r => r.GetProperty("role").GetString()));
        Assert.True(roles[0].GetProperty("canReceive").GetBoolean() && roles[0].GetProperty("canCollect").GetBoolean());
        Assert.True(roles[1].GetProperty("canUnlock").GetBoolean() && !roles[1].GetProperty("canReceive").GetBoolean());
        Assert.True(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(a => a.Action == "profile.created" && a.TargetId == id.ToString())));
    }

    [Theory]
    [InlineData("requireFingerprintsAtIssuance", "Required", "Require Fingerprints at Issuance must be Never required for a mobile profile")]
    [InlineData("requireFacialBiometrics", "Optional", "Require Facial Biometrics must be Never required for a mobile profile")]
    public async Task Save_BiometricCaptureRequired_IsRefusedSayingWhy(string field, string value, string message)
    {
        using var admin = await fixture.App.AdminClientAsync();

        var response = await admin.PostAsJsonAsync("/api/v1/profiles", Profile("bio-" + Guid.NewGuid().ToString("N")[..6], (field, value)));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.StartsWith(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown policy", "certificates[0].policy", "is not a certificate policy")]
    [InlineData("wrong container", "certificates[0].container", "is not a container of the Mobile card format")]
    [InlineData("use existing without archive", "certificates[0].mode", "does not archive its keys")]
    [InlineData("historic to citrix", "certificates[0].mode", "Historic certificates are never sent to Citrix SecureVault stores")]
    [InlineData("unmanaged with policy", "certificates[0].policy", "leave the policy empty")]
    [InlineData("device identity with server key", "certificates[0].mode", "Device Identity (Only) certificates are issued new")]
    [InlineData("challenge outside device identity", "requireChallenge", "Require Challenge is for Device Identity (Only) profiles")]
    [InlineData("derived with renewal", "certificates[0].policy", "Derived credentials never renew automatically")]
    [InlineData("software only without certificates", "certificates", "add at least one")]
    [InlineData("unknown role", "roles[0].role", "is not a role")]
    [InlineData("role twice", "roles[1].role", "is listed twice")]
    [InlineData("custom without model", "cardDataModel", "needs the name of a card data model")]
    [InlineData("model without custom", "cardDataModel", "only used with the Custom card format")]
    [InlineData("no name", "name", "A profile name is required")]
    public async Task Save_BrokenRule_Returns400NamingTheFieldAndSavesNothing(string kind, string field, string message)
    {
        // Arrange
        var (admin, device, archived, renewing) = await ArrangeAsync();
        using var _ = admin;
        var name = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var body = kind switch
        {
            "unknown policy" => Profile(name, ("certificates", new object[] { new { policy = "no-such-policy" } })),
            "wrong container" => Profile(name, ("certificates", new object[] { new { policy = device, container = "PIV Authentication" } })),
            "use existing without archive" => Profile(name, ("certificates", new object[] { new { policy = device, mode = "UseExisting" } })),
            "historic to citrix" => Profile(name, ("cardFormat", "CitrixSecureVault"), ("certificates", new object[] { new { policy = archived, mode = "HistoricOnly" } })),
            "unmanaged with policy" => Profile(name, ("certificates", new object[] { new { policy = device, mode = "Unmanaged" } })),
            "device identity with server key" => Profile(name, ("cardEncoding", "DeviceIdentityOnly"), ("certificates", new object[] { new { policy = archived } })),
            "challenge outside device identity" => Profile(name, ("requireChallenge", true)),
            "derived with renewal" => Profile(name, ("cardEncoding", "DerivedCredential"), ("certificates", new object[] { new { policy = renewing } })),
            "software only without certificates" => Profile(name, ("cardEncoding", "SoftwareCertificatesOnly")),
            "unknown role" => Profile(name, ("roles", new object[] { new { role = "Nobody" } })),
            "role twice" => Profile(name, ("roles", new object[] { new { role = "Cardholder" }, new { role = "cardholder" } })),
            "custom without model" => Profile(name, ("cardFormat", "Custom")),
            "model without custom" => Profile(name, ("cardDataModel", "Anything")),
            _ => Profile(" "),
        };

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/profiles", body);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.False(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CredentialProfiles.AnyAsync(p => p.Name == name)));
    }

    [Fact]
    public async Task SaveUpdateDelete_NameTakenUnknownId_AnswerConflictAndNotFound()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var name = "dup-" + Guid.NewGuid().ToString("N")[..8];
        var first = await admin.PostAsJsonAsync("/api/v1/profiles", Profile(name));
        var id = (await MobileIdApp.ReadJsonAsync(first)).GetProperty("id").GetGuid();

        var again = await admin.PostAsJsonAsync("/api/v1/profiles", Profile(name));
        var updated = await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Profile(name, ("cardFormat", "None"), ("deviceRestriction", "MyMobilesOnly")));
        var missing = await admin.PutAsJsonAsync($"/api/v1/profiles/{Guid.NewGuid()}", Profile("x-" + name));
        var deleted = await admin.DeleteAsync($"/api/v1/profiles/{id}");
        var gone = await admin.GetAsync($"/api/v1/profiles/{id}");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        var view = await MobileIdApp.ReadJsonAsync(updated);
        Assert.Equal("MyMobilesOnly", view.GetProperty("deviceRestriction").GetString());
        Assert.Equal(["Agent Store"], view.GetProperty("containers").EnumerateArray().Select(c => c.GetString()));
        await MobileIdApp.AssertProblemAsync(missing, 404, ErrorCodes.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await MobileIdApp.AssertProblemAsync(gone, 404, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task CardDataModels_GoodAnsiAndMalformedFiles_LoadTheGoodOnesAndReportTheRestByFileAndLine()
    {
        // Arrange: files in the configured folder, UTF-8 and Windows-1252, one broken, one without a name.
        using var admin = await fixture.App.AdminClientAsync();
        var models = fixture.App.Services.GetRequiredService<CardDataModels>();
        Directory.CreateDirectory(models.Folder);
        var tag = Guid.NewGuid().ToString("N")[..6];
        await File.WriteAllTextAsync(Path.Combine(models.Folder, $"piv-{tag}.xml"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <CardDataModel>
              <identity><name>PIV {tag}</name><description>PIV containers – “derived”</description></identity>
              <Container><Name>PIV Authentication</Name><ID>9A</ID><Certificate>true</Certificate><Unique>true</Unique></Container>
              <Container Name="Key Management" ID="9D" Certificate="1" Explicit="false" Unique="true" PreserveContainerForHistoric="true" />
              <Container><Name>Printed Information</Name><ID>0x5FC109</ID><Certificate>false</Certificate></Container>
            </CardDataModel>
            """, new UTF8Encoding(true));
        await File.WriteAllBytesAsync(Path.Combine(models.Folder, $"ansi-{tag}.xml"), CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetBytes($"""
            <?xml version="1.0" encoding="windows-1252"?>
            <CardDataModel>
              <identity><name>Modèle {tag}</name><description>Clé privée €</description></identity>
              <Container><Name>Signature</Name><ID>9C</ID></Container>
            </CardDataModel>
            """));
        await File.WriteAllTextAsync(Path.Combine(models.Folder, $"broken-{tag}.xml"), "<CardDataModel>\n  <identity><name>X</name></identity>\n  <Container><Name>A</Name>\n</CardDataModel>\n");
        await File.WriteAllTextAsync(Path.Combine(models.Folder, $"noname-{tag}.xml"), "<CardDataModel>\n\n  <identity><description>d</description></identity>\n  <Container Name=\"A\"/>\n</CardDataModel>\n");

        // Act
        var reloaded = await MobileIdApp.ReadJsonAsync(await admin.PostAsync("/api/v1/card-data-models/reload", null));
        var custom = await admin.PostAsJsonAsync("/api/v1/profiles", Profile("custom-" + tag, ("cardFormat", "Custom"), ("cardDataModel", $"piv {tag}"),
            ("certificates", new object[] { new { container = "PIV Authentication", mode = "Unmanaged" } })));
        var notForCertificates = await admin.PostAsJsonAsync("/api/v1/profiles", Profile("custom2-" + tag, ("cardFormat", "Custom"), ("cardDataModel", $"PIV {tag}"),
            ("certificates", new object[] { new { container = "Printed Information", mode = "Unmanaged" } })));

        // Assert
        var loaded = reloaded.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal("PIV containers – “derived”", loaded[$"PIV {tag}"].GetProperty("description").GetString());
        var key = loaded[$"PIV {tag}"].GetProperty("containers")[1];
        Assert.Equal("9D", key.GetProperty("id").GetString());
        Assert.True(key.GetProperty("preserveContainerForHistoric").GetBoolean());
        Assert.Equal("Clé privée €", loaded[$"Modèle {tag}"].GetProperty("description").GetString());
        var errors = reloaded.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("file").GetString()!);
        Assert.Equal(4, errors[$"broken-{tag}.xml"].GetProperty("line").GetInt32());
        Assert.Contains("not well-formed XML", errors[$"broken-{tag}.xml"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, errors[$"noname-{tag}.xml"].GetProperty("line").GetInt32());
        Assert.Contains("identity/name is missing", errors[$"noname-{tag}.xml"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, custom.StatusCode);
        var view = await MobileIdApp.ReadJsonAsync(custom);
        Assert.Equal($"PIV {tag}", view.GetProperty("cardDataModel").GetString());
        var problem = await MobileIdApp.AssertProblemAsync(notForCertificates, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("does not hold certificates", problem.GetProperty("errors").GetProperty("certificates[0].container")[0].GetString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteProfilesApiTests(SqliteAppFixture fixture) : ProfilesApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresProfilesApiTests(PostgresAppFixture fixture) : ProfilesApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
