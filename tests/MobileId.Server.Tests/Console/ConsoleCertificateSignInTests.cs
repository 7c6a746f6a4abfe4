using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using MobileId.Server.Data;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Tests.Features.Access;

namespace MobileId.Server.Tests.Console;

/// <summary>
/// Sign-in with a client certificate over real TLS on loopback: the server asks for a certificate in
/// the handshake and the sign-in page accepts a valid MobileId certificate whose holder's role allows
/// certificate logon, and refuses every other one with a reason in the audit log.
/// </summary>
public sealed class ConsoleCertificateSignInTests : HttpsServerTest
{
    protected override bool CertificateSignIn => true;

    internal static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var made = new CertificateRequest(subject, key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A person with a role that allows certificate logon (or not), and a client certificate of theirs with its key.</summary>
    private async Task<(Guid Person, X509Certificate2 Certificate)> HolderAsync(bool roleAllowsCertificates)
    {
        var role = "smartcard-" + Guid.NewGuid().ToString("N")[..8];
        await App.WithServicesAsync(async s =>
        {
            var created = await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
                new RoleInput(role, null, Scope.Self, [Workflow.RequestMyId], AllowPasswordLogon: false, AllowCertificateLogon: roleAllowsCertificates), CancellationToken.None);
            Assert.True(created.IsSuccess, created.Error?.Detail);
            return true;
        });
        var person = await App.CreatePersonAsync("card." + Guid.NewGuid().ToString("N")[..8], null, null, role);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issued = await App.IssueLeafAsync(person.LogonName, person.Id, subjectKey: key);
        using var withKey = X509CertificateLoader.LoadCertificate(issued.Der).CopyWithPrivateKey(key);
        return (person.Id, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    private HttpClient Browser(X509Certificate2? certificate) => TlsBrowser(Base, certificate);

    /// <summary>A browser over TLS that trusts the test server and presents <paramref name="certificate"/> when asked.</summary>
    internal static HttpClient TlsBrowser(string baseAddress, X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler
        {
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            ClientCertificateOptions = ClientCertificateOption.Manual,
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
        };
        if (certificate is not null)
        {
            handler.ClientCertificates.Add(certificate);
        }

        return new HttpClient(handler) { BaseAddress = new Uri(baseAddress) };
    }

    internal static Task<HttpResponseMessage> SignInWithCertificateAsync(HttpClient browser) =>
        ConsoleForms.SubmitAsync(browser, "/console/sign-in", "certificate-sign-in", new Dictionary<string, string> { ["Input.ReturnUrl"] = "/console/me" });

    private Task<List<AuditRecord>> SignInAuditAsync(string action) => App.WithServicesAsync(s =>
        s.GetRequiredService<MobileIdDbContext>().AuditRecords.AsNoTracking().Where(a => a.Action == action).ToListAsync());

    [Fact]
    public async Task CertificateSignIn_ValidCertificateRoleAllows_StartsASessionWithoutAPassword()
    {
        // Arrange
        var (person, certificate) = await HolderAsync(roleAllowsCertificates: true);
        using var browser = Browser(certificate);

        // Act
        var page = await browser.GetStringAsync("/console/sign-in");
        using var response = await SignInWithCertificateAsync(browser);
        var me = await browser.GetAsync("/console/me");
        var html = await me.Content.ReadAsStringAsync();

        // Assert
        Assert.Contains("Sign in with certificate", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/console/me", response.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains("Signed in as", html, StringComparison.Ordinal);
        var audit = Assert.Single(await SignInAuditAsync("signin.succeeded"), a => a.TargetId == person.ToString());
        Assert.Contains("\"method\":\"certificate\"", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateSignIn_RoleWithoutCertificateLogon_IsRefusedAndAudited()
    {
        // Arrange
        var (person, certificate) = await HolderAsync(roleAllowsCertificates: false);
        using var browser = Browser(certificate);

        // Act
        using var response = await SignInWithCertificateAsync(browser);
        var html = await response.Content.ReadAsStringAsync();
        using var me = await browser.GetAsync("/console/me");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("This certificate cannot sign in", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, me.StatusCode);
        var audit = Assert.Single(await SignInAuditAsync("signin.failed"), a => a.TargetId == person.ToString());
        Assert.Contains("no role of the person allows certificate logon", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateSignIn_CertificateOnHold_IsRefused()
    {
        // Arrange: the certificate is suspended (Disable ID puts a mobile ID's certificates on hold)
        var (_, certificate) = await HolderAsync(roleAllowsCertificates: true);
        await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var serial = MobileId.Pki.SerialNumbers.ToHex(certificate.SerialNumberBytes.Span);
            var record = await db.IssuedCertificates.SingleAsync(c => c.SerialHex == serial);
            record.Status = CertificateStatus.OnHold;
            return await db.SaveChangesAsync();
        });
        using var browser = Browser(certificate);

        // Act
        using var response = await SignInWithCertificateAsync(browser);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(await SignInAuditAsync("signin.failed"), a => a.Details!.Contains("certificate onhold", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CertificateSignIn_CertificateNotIssuedByMobileId_IsRefused()
    {
        // Arrange: a self-made certificate with the same subject as a real holder's
        var (_, real) = await HolderAsync(roleAllowsCertificates: true);
        using var browser = Browser(SelfSigned(real.Subject));

        // Act
        using var response = await SignInWithCertificateAsync(browser);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(await SignInAuditAsync("signin.failed"), a => a.Details!.Contains("certificate not issued by MobileId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CertificateSignIn_NoCertificatePresented_SaysWhatToDo()
    {
        // Arrange
        using var browser = Browser(null);

        // Act
        using var response = await SignInWithCertificateAsync(browser);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Your browser presented no certificate.", html, StringComparison.Ordinal);
    }
}

/// <summary>With certificate sign-in off (the default) the page does not offer it and a crafted post is refused.</summary>
public sealed class ConsoleCertificateSignInOffTests : HttpsServerTest
{
    protected override bool CertificateSignIn => false;

    [Fact]
    public async Task CertificateSignIn_Off_IsNotOfferedAndACraftedPostIsRefusedAndHttpsSendsHsts()
    {
        // Arrange
        using var browser = ConsoleCertificateSignInTests.TlsBrowser(Base, ConsoleCertificateSignInTests.SelfSigned("CN=someone"));

        // Act
        using var signIn = await browser.GetAsync("/console/sign-in");
        var page = await signIn.Content.ReadAsStringAsync();
        using var response = await ConsoleCertificateSignInTests.SignInWithCertificateAsync(browser);
        using var home = await browser.GetAsync("/console");

        // Assert: HSTS on HTTPS; the form is not on the page, so the framework refuses the post before any sign-in
        Assert.Equal("max-age=31536000; includeSubDomains", signIn.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.DoesNotContain("Sign in with certificate", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Found, home.StatusCode);
    }
}

/// <summary>A fresh server on HTTPS at loopback (a throwaway certificate) per test, with certificate sign-in on or off.</summary>
public abstract class HttpsServerTest : IAsyncLifetime
{
    private TestDatabase _database = null!;

    protected MobileIdApp App { get; private set; } = null!;

    protected string Base { get; private set; } = "";

    /// <summary>The value of <c>MobileId:Security:ClientCertificateSignIn</c>.</summary>
    protected abstract bool CertificateSignIn { get; }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        App = new MobileIdApp(_database);
        App.Settings["MobileId:Security:ClientCertificateSignIn"] = CertificateSignIn ? "true" : "false";
        Base = App.StartOnLoopback(ConsoleCertificateSignInTests.SelfSigned("CN=127.0.0.1"));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _database.DisposeAsync();
    }
}
