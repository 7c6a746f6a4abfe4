using static MobileId.Testing.TestPfx;

namespace MobileId.Interop.Tests.Console;

/// <summary>Upload PFX Certificates in the console: a multipart form with the PFX password, through the same service as the API.</summary>
public sealed class ConsolePfxTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static Task<HttpResponseMessage> UploadAsync(HttpClient browser, string path, string form, byte[] file, string password) =>
        ConsoleUploads.SubmitAsync(browser, path, form, new Dictionary<string, string> { ["password"] = password }, "pfx", file);

    private Task<int> StoredAsync(Guid personId) =>
        fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().UnmanagedCertificates.CountAsync(u => u.PersonId == personId));

    [Fact]
    public async Task Upload_PfxMadeByOpenSsl_StoresItAndThePersonPageShowsIt()
    {
        // Arrange
        var person = await fixture.App.CreatePersonAsync("pfx." + Guid.NewGuid().ToString("N")[..8]);
        var (pfx, subject) = await OpenSslPfxAsync("abc123");
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.FindPerson, Workflow.UploadPfxCertificates);

        // Act
        using var response = await UploadAsync(browser, $"/console/people/{person.Id}/pfx", "pfx", pfx, "abc123");
        var html = await response.Content.ReadAsStringAsync();
        var personPage = await browser.GetStringAsync($"/console/people/{person.Id}");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"Uploaded: {subject}, issued by {subject}.", html, StringComparison.Ordinal);
        Assert.Equal(1, await StoredAsync(person.Id));
        Assert.Contains($"<td>{subject}</td>", personPage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/console/people/{person.Id}/pfx\"", personPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WrongPassword_ShowsWhyNextToThePasswordAndStoresNothing()
    {
        // Arrange
        var person = await fixture.App.CreatePersonAsync("pfxpw." + Guid.NewGuid().ToString("N")[..8]);
        var (pfx, _) = await OpenSslPfxAsync("right-one");
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.FindPerson, Workflow.UploadPfxCertificates);

        // Act
        using var response = await UploadAsync(browser, $"/console/people/{person.Id}/pfx", "pfx", pfx, "wrong-one");
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"password-error\">The password does not open this PFX file.</span>", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync(person.Id));
    }

    [Fact]
    public async Task Upload_NotAPfxFile_ShowsWhyNextToTheFileAndStoresNothing()
    {
        // Arrange
        var person = await fixture.App.CreatePersonAsync("pfxno." + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.UploadPfxCertificates);

        // Act
        using var response = await UploadAsync(browser, $"/console/people/{person.Id}/pfx", "pfx", "-----BEGIN CERTIFICATE-----\nnope"u8.ToArray(), "x");
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"pfx-error\">The file is not a PKCS#12 (PFX/P12) file.</span>", html, StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync(person.Id));
    }

    [Fact]
    public async Task Page_PersonOutsideTheOperatorsScope_Answers404AndAPostStoresNothing()
    {
        // Arrange: the operator's role has Department scope; the person is in a department of their own.
        var group = await fixture.App.CreateGroupAsync("pfx-elsewhere-" + Guid.NewGuid().ToString("N")[..8]);
        var person = await fixture.App.CreatePersonAsync("pfxout." + Guid.NewGuid().ToString("N")[..8], group);
        var (pfx, _) = await OpenSslPfxAsync("abc123");
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.Department, Workflow.FindPerson, Workflow.UploadPfxCertificates);
        var path = $"/console/people/{person.Id}/pfx";
        var anyPage = await browser.GetStringAsync("/console");

        // Act
        using var shown = await browser.GetAsync(path);
        using var posted = await browser.PostAsync(path, new MultipartFormDataContent
        {
            { new StringContent("pfx"), "_handler" },
            { new StringContent(ConsoleForms.Token(anyPage)), "__RequestVerificationToken" },
            { new StringContent("abc123"), "password" },
            { new ByteArrayContent(pfx), "pfx", "person.p12" },
        });

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, shown.StatusCode);
        Assert.False(posted.IsSuccessStatusCode);
        Assert.Equal(0, await StoredAsync(person.Id));
    }

    [Fact]
    public async Task PersonPage_WithoutTheWorkflow_HasNoUploadLink()
    {
        // Arrange
        var person = await fixture.App.CreatePersonAsync("pfxlink." + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, Scope.All, Workflow.FindPerson);

        // Act
        var page = await browser.GetStringAsync($"/console/people/{person.Id}");

        // Assert
        Assert.Contains("No uploaded (Unmanaged) certificate.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/pfx\"", page, StringComparison.Ordinal);
    }
}
