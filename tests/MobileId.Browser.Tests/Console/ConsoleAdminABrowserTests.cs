using Microsoft.Playwright;
using MobileId.Testing.Features.Access;

namespace MobileId.Browser.Tests.Console;

/// <summary>Credential Profiles, Certificate Authorities and Upload PFX Certificates in a real browser against the server on loopback.</summary>
public sealed class ConsoleAdminABrowserTests : LoopbackServerTest
{
    [Fact]
    public async Task Administrator_CreatesAProfileViewsTheCasAndUploadsAPfx()
    {
        // Arrange: an administrator of these workflows with scope All, a person to upload for, and a PFX made by openssl.
        var created = await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput("PKI administrators", null, Scope.All,
                [Workflow.FindPerson, Workflow.CredentialProfiles, Workflow.CertificateAuthorities, Workflow.UploadPfxCertificates], true, null),
            CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        var admin = await App.CreatePersonAsync("grace.hopper", null, null, "PKI administrators");
        await App.SetPasswordAsync(admin.Id, "Grace-Console-Pass-1");
        var person = await App.CreatePersonAsync("alan.turing", null, "alan@example.org", "Cardholder");
        var (pfx, subject) = await TestPfx.OpenSslPfxAsync("pfx-pass");
        var pfxFile = Path.Combine(Directory.CreateTempSubdirectory("mid-browser-pfx-").FullName, "alan.p12");
        await File.WriteAllBytesAsync(pfxFile, pfx);
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(Base + "/console/profiles");
        await browser.SignInAsync("grace.hopper", "Grace-Console-Pass-1", "**/console/profiles");

        // Act + Assert: a new profile; a phone cannot capture a face at issuance, so that field is refused next to it.
        await page.GetByRole(AriaRole.Link, new() { Name = "New credential profile" }).ClickAsync();
        await browser.WaitForAsync("**/console/profiles/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Field phones");
        await page.GetByLabel("Description").FillAsync("Mobile IDs for the field staff");
        await page.GetByLabel("Require Facial Biometrics").SelectOptionAsync("Required");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create profile" }).ClickAsync();
        Assert.Contains("a phone cannot capture a facial image", await page.Locator("#requireFacialBiometrics-error").TextContentAsync(), StringComparison.Ordinal);
        await page.GetByLabel("Require Facial Biometrics").SelectOptionAsync("NeverRequired");
        await page.GetByLabel("Require validation").CheckAsync();
        await page.GetByLabel("Can Receive for Cardholder").CheckAsync();
        await page.GetByLabel("Can Collect for Cardholder").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create profile" }).ClickAsync();
        // Note: the redirect's page is awaited by its message; its address then names the new profile.
        await page.GetByText("The credential profile is created.").WaitForAsync();
        Assert.Matches("/console/profiles/[0-9a-f-]{36}\\?created=true$", page.Url);
        Assert.True(await page.GetByLabel("Require validation").IsCheckedAsync());
        await browser.ScreenshotAsync("profile-edit");
        await page.GetByRole(AriaRole.Link, new() { Name = "Credential Profiles" }).First.ClickAsync();
        await browser.WaitForAsync("**/console/profiles");
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "Field phones" }).CountAsync());
        await browser.ScreenshotAsync("profiles");

        // The CAs, one CA with its addresses, and the policies tab.
        await page.GetByRole(AriaRole.Link, new() { Name = "Certificate Authorities" }).First.ClickAsync();
        await browser.WaitForAsync("**/console/authorities");
        await browser.ScreenshotAsync("authorities");
        await page.GetByRole(AriaRole.Link, new() { Name = "MobileIdIssuingCA" }).ClickAsync();
        await browser.WaitForAsync("**/console/authorities/MobileIdIssuingCA");
        Assert.Equal(1, await page.Locator("a[href$='/pki/crl/MobileIdIssuingCA.crl']").CountAsync());
        await page.GotoAsync(Base + "/console/policies");
        Assert.Equal("page", await page.GetByRole(AriaRole.Link, new() { Name = "Certificate policies" }).GetAttributeAsync("aria-current"));

        // Upload PFX Certificates from the person's page; the certificate shows there afterwards.
        await page.GotoAsync($"{Base}/console/people/{person.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Upload PFX Certificates" }).ClickAsync();
        await browser.WaitForAsync($"**/console/people/{person.Id}/pfx");
        await page.GetByLabel("PFX file").SetInputFilesAsync(pfxFile);
        await page.GetByLabel("PFX password").FillAsync("pfx-pass");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        Assert.StartsWith($"Uploaded: {subject}", await page.GetByRole(AriaRole.Status).First.TextContentAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("pfx");
        await page.GetByRole(AriaRole.Link, new() { Name = "alan.turing" }).ClickAsync();
        await browser.WaitForAsync($"**/console/people/{person.Id}");
        Assert.Equal(1, await page.GetByRole(AriaRole.Cell, new() { Name = subject, Exact = true }).First.CountAsync());
        Directory.Delete(Path.GetDirectoryName(pfxFile)!, recursive: true);
    }
}
