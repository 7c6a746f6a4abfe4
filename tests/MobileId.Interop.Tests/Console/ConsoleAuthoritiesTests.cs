using MobileId.Pki.Keys;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Issuance;
using MobileId.Interop.Tests.Features.Authorities;

namespace MobileId.Interop.Tests.Console;

/// <summary>Certificate Authorities in the console: the CAs (view, create, import, retire) and the certificate policies, through the same services as the API.</summary>
public sealed class ConsoleAuthoritiesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private const string Root = "MobileIdRootCA";
    private const string Issuing = "MobileIdIssuingCA";

    private Task<HttpClient> AdministratorAsync() => ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.CertificateAuthorities);

    private Task<CaView?> CaAsync(string name) =>
        fixture.App.WithServicesAsync(s => s.GetRequiredService<CertificateAuthorities>().ViewAsync(name, CancellationToken.None));

    private Task<PolicyView?> PolicyAsync(string name) => fixture.App.WithServicesAsync(async s =>
        (await s.GetRequiredService<PoliciesService>().ListAsync(CancellationToken.None)).SingleOrDefault(p => p.Name == name));

    private async Task<CaView> CreateCaAsync()
    {
        var created = await fixture.App.WithServicesAsync(s => s.GetRequiredService<IssuingCas>().CreateAsync(Caller.System("test"),
            new CreateIssuingCaRequest("console-ca-" + Guid.NewGuid().ToString("N")[..8], Root, KeyAlgorithm.EcdsaP256, 365, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!;
    }

    private static Dictionary<string, string> CreateFields(string name, string validityDays = "365") => new()
    {
        ["Create.Name"] = name, ["Create.Parent"] = Root, ["Create.KeyAlgorithm"] = "EcdsaP256", ["Create.ValidityDays"] = validityDays, ["Create.CommonName"] = "",
    };

    private static Dictionary<string, string> PolicyFields(string name, params (string Field, string Value)[] more)
    {
        var fields = new Dictionary<string, string>
        {
            ["name"] = name, ["ca"] = Issuing, ["keyAlgorithm"] = "EcdsaP256", ["keyUsage"] = "DigitalSignature", ["extendedKeyUsages"] = "1.3.6.1.5.5.7.3.2",
            ["otherUsages"] = "", ["subjectTemplate"] = "CN={displayName},O=Example", ["upnSuffix"] = "", ["policyOids"] = "", ["validityDays"] = "365",
            ["keyGeneration"] = "Device", ["renewalDaysBeforeExpiry"] = "0",
        };
        foreach (var (field, value) in more)
        {
            fields[field] = value;
        }

        return fields;
    }

    [Fact]
    public async Task List_Search_ShowsTheMatchingCasOnly()
    {
        // Arrange
        using var browser = await AdministratorAsync();

        // Act
        var html = await browser.GetStringAsync("/console/authorities?q=root");

        // Assert
        Assert.Contains($"<a href=\"/console/authorities/{Root}\">{Root}</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain($">{Issuing}</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_IssuingCa_ShowsItsCertificateAndAddresses()
    {
        // Arrange
        using var browser = await AdministratorAsync();
        var ca = (await CaAsync(Issuing))!;
        var responder = await fixture.App.WithServicesAsync(async s =>
        {
            var id = await s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities.Where(c => c.Name == Issuing).Select(c => c.Id).SingleAsync();
            return await s.GetRequiredService<ICertificateIssuer>()
                .ServiceCertificateAsync(new ServiceCertificateRequest(id, CertificatePurpose.OcspResponder, TimeSpan.FromDays(30)), CancellationToken.None);
        });

        // Act
        var html = await browser.GetStringAsync($"/console/authorities/{Issuing}");

        // Assert
        Assert.Contains($"<h1>{Issuing}</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"<code>{ca.SerialNumber}</code>", html, StringComparison.Ordinal);
        Assert.Contains(ca.Subject, html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{ca.Urls.Crl}\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{ca.Urls.DeltaCrl}\"", html, StringComparison.Ordinal);
        Assert.Contains("<h2>Service certificates</h2>", html, StringComparison.Ordinal);
        Assert.Contains($"<td>OCSP responder</td>\n                        <td><code>{responder.Certificate.SerialNumber}</code></td>", html.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(ca.Urls.Ocsp!, html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/console/authorities/{Root}\">{Root}</a>", html, StringComparison.Ordinal);
        Assert.Contains("Retire CA</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_IssuingCa_OpensItsPageAndTheCaExists()
    {
        // Arrange
        var name = "console-new-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/authorities", "create", CreateFields(name));
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal($"/console/authorities/{name}?done=created", response.Headers.Location.PathAndQuery);
        Assert.Contains("The CA is created.", page, StringComparison.Ordinal);
        var ca = await CaAsync(name);
        Assert.Equal(("Issuing", "Active", Root, "EcdsaP256"), (ca!.Kind, ca.Status, ca.Parent, ca.KeyAlgorithm));
    }

    [Theory]
    [InlineData("-bad-name", "365", "name", "is not a CA name")]
    [InlineData("console-short", "10", "validityDays", "10 days is outside 30-36500.")]
    public async Task Create_BadField_ShowsWhyNextToTheFieldAndCreatesNothing(string name, string validityDays, string field, string message)
    {
        // Arrange
        name += Guid.NewGuid().ToString("N")[..6];
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/authorities", "create", CreateFields(name, validityDays));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches($"<span class=\"field-error\" id=\"{field}-error\">[^<]*{System.Text.RegularExpressions.Regex.Escape(message)}", html);
        Assert.Null(await CaAsync(name));
    }

    [Fact]
    public async Task Create_NameTakenInAnotherCase_ShowsTheConflictNextToTheName()
    {
        // Arrange
        using var browser = await AdministratorAsync();
        var before = (await fixture.App.WithServicesAsync(s => s.GetRequiredService<CertificateAuthorities>().ListAsync(CancellationToken.None))).Count;

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/authorities", "create", CreateFields(Issuing.ToLowerInvariant()));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"<span class=\"field-error\" id=\"name-error\">A CA named &#x27;{Issuing}&#x27; already exists.</span>", html, StringComparison.Ordinal);
        Assert.Equal(before, (await fixture.App.WithServicesAsync(s => s.GetRequiredService<CertificateAuthorities>().ListAsync(CancellationToken.None))).Count);
    }

    [Fact]
    public async Task Import_PfxMadeByOpenSsl_OpensTheImportedCaWithItsParent()
    {
        // Arrange
        using var external = await OpenSslCa.CreateAsync();
        var pfx = Convert.FromBase64String(await external.PfxAsync("ca-secret"));
        var name = "console-imported-" + external.Id;
        using var browser = await AdministratorAsync();

        // Act
        using var wrong = await ConsoleUploads.SubmitAsync(browser, "/console/authorities", "import",
            new Dictionary<string, string> { ["name"] = name, ["password"] = "not-it", ["keyPem"] = "", ["chainPem"] = "" }, "pfx", pfx);
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        var notYet = await CaAsync(name);
        using var response = await ConsoleUploads.SubmitAsync(browser, "/console/authorities", "import",
            new Dictionary<string, string> { ["name"] = name, ["password"] = "ca-secret", ["keyPem"] = "", ["chainPem"] = "" }, "pfx", pfx);
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("id=\"password-error\"", wrongHtml, StringComparison.Ordinal);
        Assert.Null(notYet);
        Assert.Equal($"/console/authorities/{name}?done=imported", response.Headers.Location.PathAndQuery);
        Assert.Contains("The CA is imported.", page, StringComparison.Ordinal);
        Assert.Contains($"Elsewhere Issuing {external.Id}", page, StringComparison.Ordinal);
        var ca = await CaAsync(name);
        Assert.True(ca!.Imported && ca.HasKey);
        Assert.Contains($"Elsewhere Root {external.Id}", (await CaAsync(ca.Parent!))!.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retire_Confirmed_ShowsItRetiredAndWithoutConfirmationKeepsItActive()
    {
        // Arrange
        var ca = await CreateCaAsync();
        using var browser = await AdministratorAsync();
        var path = $"/console/authorities/{ca.Name}";

        // Act
        using var unconfirmed = await ConsoleForms.SubmitAsync(browser, path, "retire", new Dictionary<string, string>());
        var unconfirmedHtml = await unconfirmed.Content.ReadAsStringAsync();
        var stillActive = (await CaAsync(ca.Name))!.Status;
        using var confirmed = await ConsoleForms.SubmitAsync(browser, path, "retire", new Dictionary<string, string> { ["confirm"] = "yes" });
        var html = await confirmed.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"confirm-error\">Tick the box to confirm", unconfirmedHtml, StringComparison.Ordinal);
        Assert.Equal("Active", stillActive);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("The CA is retired", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Retire CA</button>", html, StringComparison.Ordinal);
        Assert.Equal("Retired", (await CaAsync(ca.Name))!.Status);
    }

    [Fact]
    public async Task Policy_CreateThenEdit_SavesEveryChangeThroughTheService()
    {
        // Arrange
        var name = "console-policy-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await AdministratorAsync();

        // Act
        using var created = await ConsoleForms.SubmitAsync(browser, "/console/policies/new", "policy", PolicyFields(name));
        var first = await PolicyAsync(name);
        var editPath = created.Headers.Location!.AbsolutePath;
        using var edited = await ConsoleForms.SubmitAsync(browser, editPath, "policy", PolicyFields(name,
            ("keyAlgorithm", "EcdsaP384"), ("extendedKeyUsages", "1.3.6.1.4.1.311.20.2.2"), ("otherUsages", "1.3.6.1.5.5.7.3.4\n"),
            ("upnSuffix", "corp.example.org"), ("sanEmail", "true"), ("policyOids", "2.16.840.1.101.3.2.1.3.13"), ("validityDays", "90"),
            ("automaticRenewal", "true"), ("renewalDaysBeforeExpiry", "14")));
        var html = await edited.Content.ReadAsStringAsync();
        var saved = await PolicyAsync(name);

        // Assert
        Assert.Equal(HttpStatusCode.Found, created.StatusCode);
        Assert.Equal($"/console/policies/{first!.Id}", editPath);
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Contains("The certificate policy is saved.", html, StringComparison.Ordinal);
        Assert.Equal((KeyAlgorithm.EcdsaP384, "corp.example.org", true, 90, true, 14),
            (saved!.KeyAlgorithm, saved.UpnSuffix, saved.SanEmail, saved.ValidityDays, saved.AutomaticRenewal, saved.RenewalDaysBeforeExpiry));
        Assert.Equal(["1.3.6.1.4.1.311.20.2.2", "1.3.6.1.5.5.7.3.4"], saved.ExtendedKeyUsages);
        Assert.Equal(["2.16.840.1.101.3.2.1.3.13"], saved.PolicyOids);
    }

    [Fact]
    public async Task Policy_SmartCardLogonWithoutUpnSuffix_ShowsWhyNextToTheFieldAndSavesNothing()
    {
        // Arrange
        var name = "console-scl-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await AdministratorAsync();

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/policies/new", "policy", PolicyFields(name, ("extendedKeyUsages", "1.3.6.1.4.1.311.20.2.2")));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"upnSuffix-error\">Smart-card logon needs the user principal name", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{name}\"", html, StringComparison.Ordinal);
        Assert.Null(await PolicyAsync(name));
    }

    [Fact]
    public async Task Policy_NameTaken_ShowsTheConflictNextToTheName()
    {
        // Arrange
        var name = "console-twice-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await AdministratorAsync();
        using var first = await ConsoleForms.SubmitAsync(browser, "/console/policies/new", "policy", PolicyFields(name));
        var before = await PolicyAsync(name);

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/policies/new", "policy", PolicyFields(name, ("validityDays", "30")));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"<span class=\"field-error\" id=\"name-error\">A certificate policy named &#x27;{name}&#x27; already exists.</span>", html, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(await PolicyAsync(name)));
    }

    [Fact]
    public async Task Changes_RoleWithDepartmentScope_AreRefusedAndNothingChanges()
    {
        // Arrange
        var ca = await CreateCaAsync();
        using var admin = await AdministratorAsync();
        var policyName = "console-kept-" + Guid.NewGuid().ToString("N")[..8];
        using var made = await ConsoleForms.SubmitAsync(admin, "/console/policies/new", "policy", PolicyFields(policyName));
        var policy = await PolicyAsync(policyName);
        var newCa = "console-never-" + Guid.NewGuid().ToString("N")[..8];
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.Department, Workflow.CertificateAuthorities);

        // Act
        using var created = await ConsoleForms.SubmitAsync(browser, "/console/authorities", "create", CreateFields(newCa));
        var createdHtml = await created.Content.ReadAsStringAsync();
        using var imported = await ConsoleUploads.SubmitAsync(browser, "/console/authorities", "import",
            new Dictionary<string, string> { ["name"] = newCa + "-i", ["password"] = "x" }, "pfx", [1, 2, 3]);
        using var retired = await ConsoleForms.SubmitAsync(browser, $"/console/authorities/{ca.Name}", "retire", new Dictionary<string, string> { ["confirm"] = "yes" });
        using var newPolicy = await ConsoleForms.SubmitAsync(browser, "/console/policies/new", "policy", PolicyFields(policyName + "-new"));
        using var editedPolicy = await ConsoleForms.SubmitAsync(browser, $"/console/policies/{policy!.Id}", "policy", PolicyFields(policyName, ("validityDays", "30")));

        // Assert
        Assert.All([created, imported, retired, newPolicy, editedPolicy], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Contains("with scope All", createdHtml, StringComparison.Ordinal);
        Assert.Null(await CaAsync(newCa));
        Assert.Null(await CaAsync(newCa + "-i"));
        Assert.Equal("Active", (await CaAsync(ca.Name))!.Status);
        Assert.Null(await PolicyAsync(policyName + "-new"));
        Assert.Equal(JsonSerializer.Serialize(policy), JsonSerializer.Serialize(await PolicyAsync(policyName)));
    }
}
