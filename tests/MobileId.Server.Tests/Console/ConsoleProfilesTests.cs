using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Console;

/// <summary>Credential Profiles in the console: list, create, edit, delete and card data model reload, through the profile service.</summary>
public sealed class ConsoleProfilesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static readonly Caller System = Caller.System("test");

    private Task<HttpClient> AdministratorAsync() => ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.CredentialProfiles);

    private Task<ProfileView?> FindAsync(string name) => fixture.App.WithServicesAsync(async s =>
        (await s.GetRequiredService<ProfilesService>().ListAsync(CancellationToken.None)).SingleOrDefault(p => p.Name == name));

    private async Task<ProfileView> CreateAsync(string name, params ProfileRoleInput[] roles)
    {
        var saved = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(System, null,
            new ProfileInput(name, "made by the test", null, null, null, null, null, null, null, null, null, null, null, [.. roles]), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        return saved.Value!;
    }

    private async Task<string> PolicyAsync(bool archive)
    {
        var name = "console-policy-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await fixture.App.WithServicesAsync(s => s.GetRequiredService<PoliciesService>().SaveAsync(System, null,
            new PolicyInput(name, "MobileIdIssuingCA", KeyAlgorithm.EcdsaP256, [archive ? X509KeyUsageFlags.KeyAgreement : X509KeyUsageFlags.DigitalSignature],
                [archive ? CertificatePolicyRules.EmailProtection : CertificatePolicyRules.ClientAuth],
                "CN={displayName}", null, null, null, 365, archive ? KeyGeneration.Server : KeyGeneration.Device, archive, null, null), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        return name;
    }

    /// <summary>The profile form's fields for a plain profile, with these changes.</summary>
    private static Dictionary<string, string> Fields(string name, params (string Field, string Value)[] more)
    {
        var fields = new Dictionary<string, string>
        {
            ["Form.Name"] = name, ["Form.Description"] = "", ["Form.CardEncoding"] = "IdentityAgent", ["Form.DeviceRestriction"] = "Any",
            ["Form.RequireFingerprintsAtIssuance"] = "NeverRequired", ["Form.RequireFacialBiometrics"] = "NeverRequired", ["Form.CardFormat"] = "Mobile",
            ["Form.CardDataModel"] = "", ["Form.CardLayout"] = "",
        };
        foreach (var (field, value) in more)
        {
            fields[field] = value;
        }

        return fields;
    }

    [Fact]
    public async Task List_SearchAndPages_ShowsTheMatchingProfilesTwentyFiveAPage()
    {
        // Arrange: 26 profiles with one tag, one with another.
        var tag = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 26; i++)
        {
            await CreateAsync($"list-{tag}-{i:D2}");
        }

        await CreateAsync("other-" + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await AdministratorAsync();

        // Act
        var first = await browser.GetStringAsync($"/console/profiles?q={tag}");
        var second = await browser.GetStringAsync($"/console/profiles?q={tag}&page=2");

        // Assert
        Assert.Contains("26 profiles found.", first, StringComparison.Ordinal);
        Assert.Contains($">list-{tag}-00</a>", first, StringComparison.Ordinal);
        Assert.DoesNotContain($">list-{tag}-25</a>", first, StringComparison.Ordinal);
        Assert.DoesNotContain(">other-", first, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 2", first, StringComparison.Ordinal);
        Assert.Contains($">list-{tag}-25</a>", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_EveryKindOfField_RedirectsToTheSavedProfile()
    {
        // Arrange
        var name = "created-" + Guid.NewGuid().ToString("N")[..8];
        var policy = await PolicyAsync(archive: false);
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/profiles/new", "profile", Fields(name,
            ("Form.Description", "Phones of the field staff"), ("Form.DeviceRestriction", "KnownMobiles"), ("Form.RequireValidation", "true"),
            ("Form.AllowFingerprint", "true"), ("Form.RequireCallerVerification", "true"), ("Form.CardFormat", "None"),
            ("Form.Certificates[0].Policy", policy), ("Form.Certificates[0].Container", ""), ("Form.Certificates[0].Mode", "IssueNew"),
            ("Form.Certificates[1].Policy", ""), ("Form.Certificates[1].Mode", ""),
            ("Form.Roles[0].Role", "Helpdesk"), ("Form.Roles[0].CanUnlock", "true"),
            ("Form.Roles[1].Role", "Cardholder"), ("Form.Roles[1].CanReceive", "true"), ("Form.Roles[1].CanCollect", "true"),
            ("Form.Roles[2].Role", "Administrator")));
        var saved = await FindAsync(name);
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.NotNull(saved);
        Assert.Equal($"/console/profiles/{saved.Id}?created=true", response.Headers.Location.PathAndQuery);
        Assert.Contains("The credential profile is created.", page, StringComparison.Ordinal);
        Assert.Contains($"value=\"{name}\"", page, StringComparison.Ordinal);
        Assert.Equal(("Phones of the field staff", DeviceRestriction.KnownMobiles, true, true), (saved.Description, saved.DeviceRestriction, saved.RequireValidation, saved.RequireCallerVerification));
        Assert.Equal(["PIN", "Fingerprint"], saved.AuthenticationTypes);
        Assert.Equal(CardFormat.None, saved.CardFormat);
        Assert.Equal([new ProfileCertificateView(policy, "Agent Store", CertificateMode.IssueNew)], saved.Certificates);
        Assert.Equal([new ProfileRoleView("Cardholder", true, false, false, true, false), new ProfileRoleView("Helpdesk", false, false, false, false, true)], saved.Roles);
    }

    [Fact]
    public async Task Create_FacialBiometricsRequired_ShowsWhyNextToTheFieldAndSavesNothing()
    {
        // Arrange
        var name = "biometric-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/profiles/new", "profile", Fields(name, ("Form.RequireFacialBiometrics", "Required")));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"requireFacialBiometrics-error\">Require Facial Biometrics must be Never required for a mobile profile", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{name}\"", html, StringComparison.Ordinal);
        Assert.Null(await FindAsync(name));
    }

    [Fact]
    public async Task Create_NameTaken_ShowsTheConflictNextToTheNameAndSavesNothing()
    {
        // Arrange
        var existing = await CreateAsync("taken-" + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/profiles/new", "profile", Fields(existing.Name, ("Form.RequireValidation", "true")));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"<span class=\"field-error\" id=\"name-error\">A credential profile named &#x27;{existing.Name}&#x27; already exists.</span>", html, StringComparison.Ordinal);
        var after = await FindAsync(existing.Name);
        Assert.False(after!.RequireValidation);
        Assert.Equal(existing.UpdatedAt, after.UpdatedAt);
    }

    [Fact]
    public async Task Edit_ChangedFields_ShowsSavedAndTheServiceHasThem()
    {
        // Arrange
        var profile = await CreateAsync("edit-" + Guid.NewGuid().ToString("N")[..8], new ProfileRoleInput("Cardholder", true, false, false, true, false));
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "profile", Fields(profile.Name + "-renamed",
            ("Form.AllowFace", "true"), ("Form.RequireCallerVerification", "true"),
            ("Form.Roles[0].Role", "Cardholder"), ("Form.Roles[0].CanReceive", "true"), ("Form.Roles[0].CanCollect", "true"), ("Form.Roles[0].CanUnlock", "true")));
        var html = await response.Content.ReadAsStringAsync();
        var saved = await FindAsync(profile.Name + "-renamed");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The credential profile is saved.", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{profile.Name}-renamed</h1>", html, StringComparison.Ordinal);
        Assert.Equal(profile.Id, saved!.Id);
        Assert.Equal(["PIN", "Face"], saved.AuthenticationTypes);
        Assert.True(saved.RequireCallerVerification);
        Assert.Equal([new ProfileRoleView("Cardholder", true, false, false, true, true)], saved.Roles);
    }

    [Fact]
    public async Task Edit_UseExistingWithAPolicyThatDoesNotArchive_ShowsTheReasonOnThatRowAndKeepsTheProfile()
    {
        // Arrange
        var profile = await CreateAsync("rows-" + Guid.NewGuid().ToString("N")[..8]);
        var archiving = await PolicyAsync(archive: true);
        var plain = await PolicyAsync(archive: false);
        using var browser = await AdministratorAsync();

        // Act: an unused row between the two rows is dropped, so the second used row is certificates[1].
        using var response = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "profile", Fields(profile.Name,
            ("Form.Certificates[0].Policy", archiving), ("Form.Certificates[0].Mode", "UseExisting"),
            ("Form.Certificates[1].Policy", ""), ("Form.Certificates[1].Mode", ""),
            ("Form.Certificates[2].Policy", plain), ("Form.Certificates[2].Mode", "UseExisting")));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"<span class=\"field-error\" id=\"certificates[1].mode-error\">Use existing recovers archived keys, but policy &#x27;{plain}&#x27; does not archive its keys.</span>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"certificates[0].mode-error\"", html, StringComparison.Ordinal);
        Assert.Empty((await FindAsync(profile.Name))!.Certificates);
    }

    [Fact]
    public async Task Delete_WithoutConfirmation_AsksForItAndKeepsTheProfile()
    {
        // Arrange
        var profile = await CreateAsync("keep-" + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "delete", new Dictionary<string, string>());
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"confirm-error\">Tick the box to confirm", html, StringComparison.Ordinal);
        Assert.NotNull(await FindAsync(profile.Name));
    }

    [Fact]
    public async Task Delete_Confirmed_ReturnsToTheListSayingSoAndTheProfileIsGone()
    {
        // Arrange
        var profile = await CreateAsync("gone-" + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "delete", new Dictionary<string, string> { ["confirm"] = "yes" });
        var list = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);
        using var again = await browser.GetAsync($"/console/profiles/{profile.Id}");

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains($"The credential profile &#x27;{profile.Name}&#x27; is deleted.", list, StringComparison.Ordinal);
        Assert.Null(await FindAsync(profile.Name));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Reload_CardDataModelFolder_ReadsItAgainAndSaysWhatItFound()
    {
        // Arrange
        using var browser = await AdministratorAsync();
        var before = fixture.App.Services.GetRequiredService<CardDataModels>().Current.LoadedAt;

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/profiles", "reload", new Dictionary<string, string>());
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Read the folder again: ", html, StringComparison.Ordinal);
        Assert.True(fixture.App.Services.GetRequiredService<CardDataModels>().Current.LoadedAt >= before);
    }

    [Fact]
    public async Task Changes_RoleWithDepartmentScope_AreRefusedAndNothingChanges()
    {
        // Arrange
        var profile = await CreateAsync("scoped-" + Guid.NewGuid().ToString("N")[..8]);
        var name = "never-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.Department, Workflow.CredentialProfiles);

        // Act
        using var created = await ConsoleForms.SubmitAsync(browser, "/console/profiles/new", "profile", Fields(name));
        var createdHtml = await created.Content.ReadAsStringAsync();
        using var edited = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "profile", Fields(profile.Name, ("Form.RequireValidation", "true")));
        using var deleted = await ConsoleForms.SubmitAsync(browser, $"/console/profiles/{profile.Id}", "delete", new Dictionary<string, string> { ["confirm"] = "yes" });
        using var reloaded = await ConsoleForms.SubmitAsync(browser, "/console/profiles", "reload", new Dictionary<string, string>());

        // Assert
        Assert.All([created, edited, deleted, reloaded], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Contains("role=\"alert\"", createdHtml, StringComparison.Ordinal);
        Assert.Contains("with scope All", createdHtml, StringComparison.Ordinal);
        Assert.Null(await FindAsync(name));
        var after = await FindAsync(profile.Name);
        Assert.False(after!.RequireValidation);
        Assert.Equal(profile.UpdatedAt, after.UpdatedAt);
    }
}
