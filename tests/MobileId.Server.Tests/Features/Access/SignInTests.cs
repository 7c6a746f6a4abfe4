using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Features.Access;

/// <summary>Password sign-in, lockout, bearer secrets and the rule against privilege escalation (PRODUCT.md §2, §13).</summary>
public abstract partial class SignInTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private const string SessionCookieName = "MobileId.Session";

    private MobileIdApp App => fixture.App;

    [Fact]
    public async Task SignIn_FirstAdministratorWithGeneratedPassword_MustChangePasswordBeforeAnyWorkflow()
    {
        // Arrange: the administrator that init created, given a generated password as an operator's reset does.
        var admin = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.AsNoTracking()
            .SingleAsync(p => p.LogonName == InitService.AdministratorLogon));
        var reset = await App.WithServicesAsync(s => s.GetRequiredService<SignInService>().ResetPasswordAsync(
            Caller.System("test"), admin.Id, s.GetRequiredService<AccessPolicy>(), CancellationToken.None));
        Assert.True(reset.IsSuccess, reset.Error?.Detail);
        var temporary = reset.Value!.Password;
        using var browser = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });

        // Act
        using var signIn = await SignInAsync(browser, "admin", temporary);

        // Assert: signed in, but every workflow endpoint refuses until the password is changed; /me answers.
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.True((await MobileIdApp.ReadJsonAsync(signIn)).GetProperty("mustChangePassword").GetBoolean());
        var oldCookie = SessionCookie(signIn);
        var gated = ApiEndpoints.Of(App).Where(e => e.Rule is { Anonymous: false, DuringPasswordChange: false }).ToList();
        Assert.True(gated.Count >= 20, $"Only {gated.Count} workflow endpoints found.");
        var notGated = new List<string>();
        foreach (var endpoint in gated)
        {
            using var response = await browser.SendAsync(AnyRequest(endpoint, admin.Id));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Forbidden || !body.Contains($"\"code\":\"{ErrorCodes.PasswordChangeRequired}\"", StringComparison.Ordinal))
            {
                notGated.Add($"{endpoint.Key}: {(int)response.StatusCode} {body}");
            }
        }

        Assert.True(notGated.Count == 0, "Answered without password_change_required:\n" + string.Join("\n", notGated));
        var me = await MobileIdApp.ReadJsonAsync(await browser.GetAsync("/api/v1/me"));
        Assert.True(me.GetProperty("mustChangePassword").GetBoolean());
        Assert.Equal(admin.Id, me.GetProperty("id").GetGuid());
        using (var oldSession = CookieClient(oldCookie))
        {
            Assert.Equal(HttpStatusCode.OK, (await oldSession.GetAsync("/api/v1/me")).StatusCode);
        }

        // Act + Assert: the password rules, each with its message; a refused change leaves the requirement in place.
        await AssertPasswordRefusedAsync(browser, "not-the-password", "Another-Long-Password-1", "currentPassword", "current password is incorrect");
        await AssertPasswordRefusedAsync(browser, temporary, "Short-1", "newPassword", "at least 12 characters");
        await AssertPasswordRefusedAsync(browser, temporary, temporary, "newPassword", "must differ from the current one");
        await AssertPasswordRefusedAsync(browser, temporary, "Super-ADMIN-secret-42", "newPassword", "must not contain your logon name");
        await MobileIdApp.AssertProblemAsync(await browser.GetAsync("/api/v1/people"), 403, ErrorCodes.PasswordChangeRequired);

        var newPassword = "Correct-Horse-" + Guid.NewGuid().ToString("N")[..12];
        using var changed = await browser.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = temporary, newPassword });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        // Assert: the new session works everywhere, the session from before the change does not, nor does the old password.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/people")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/audit/verify")).StatusCode);
        Assert.False((await MobileIdApp.ReadJsonAsync(await browser.GetAsync("/api/v1/me"))).GetProperty("mustChangePassword").GetBoolean());
        using (var oldSession = CookieClient(oldCookie))
        {
            await MobileIdApp.AssertProblemAsync(await oldSession.GetAsync("/api/v1/me"), 401, ErrorCodes.Unauthenticated);
            await MobileIdApp.AssertProblemAsync(await oldSession.GetAsync("/api/v1/people"), 401, ErrorCodes.Unauthenticated);
        }

        using var other = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        await MobileIdApp.AssertProblemAsync(await SignInAsync(other, "admin", temporary), 401, ErrorCodes.Unauthenticated);
        using var again = await SignInAsync(other, "admin", newPassword);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False((await MobileIdApp.ReadJsonAsync(again)).GetProperty("mustChangePassword").GetBoolean());
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_RefusesEvenTheRightPasswordAndAudits()
    {
        // Arrange
        var (person, password) = await PersonWithPasswordAsync("Cardholder");
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(client, person.LogonName, password)).StatusCode);
        for (var i = 1; i <= 5; i++)
        {
            await MobileIdApp.AssertProblemAsync(await SignInAsync(client, person.LogonName, $"wrong-password-{i}"), 401, ErrorCodes.Unauthenticated);
        }

        // Act
        using var response = await SignInAsync(client, person.LogonName, password);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
        using var auditor = await App.AdminClientAsync();
        var records = (await MobileIdApp.ReadJsonAsync(await auditor.GetAsync($"/api/v1/audit?action=signin.failed&personId={person.Id}")))
            .GetProperty("items").EnumerateArray().Select(r => r.GetProperty("details").GetString()!).Reverse().ToList();
        Assert.Equal(6, records.Count);
        Assert.All(records.Take(4), d => Assert.Contains("\"wrong password\"", d, StringComparison.Ordinal));
        Assert.Contains("account locked for", records[4], StringComparison.Ordinal);
        Assert.Contains("account locked after repeated failures", records[5], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_FourWrongPasswordsThenTheRightOne_SignsInAndStartsCountingAgain()
    {
        // Arrange
        var (person, password) = await PersonWithPasswordAsync("Cardholder");
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        for (var round = 0; round < 2; round++)
        {
            for (var i = 1; i <= 4; i++)
            {
                await MobileIdApp.AssertProblemAsync(await SignInAsync(client, person.LogonName, $"wrong-password-{i}"), 401, ErrorCodes.Unauthenticated);
            }

            // Act
            using var response = await SignInAsync(client, person.LogonName, password);

            // Assert: eight failures in all, but never five in a row.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task SignIn_DisabledPerson_Returns401AndEndsTheSession()
    {
        // Arrange
        var (person, password) = await PersonWithPasswordAsync("Cardholder");
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var before = await SignInAsync(client, person.LogonName, password);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        using var session = CookieClient(SessionCookie(before));
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/api/v1/me")).StatusCode);
        var disabled = await App.WithServicesAsync(s => s.GetRequiredService<PeopleService>().UpdateAsync(Caller.System("test"), person.Id,
            new PersonInput(person.LogonName, person.FirstName, person.LastName, null, null, null, null, null, null, PersonStatus.Disabled),
            CancellationToken.None));
        Assert.True(disabled.IsSuccess, disabled.Error?.Detail);

        // Act
        using var response = await SignInAsync(client, person.LogonName, password);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
        await MobileIdApp.AssertProblemAsync(await session.GetAsync("/api/v1/me"), 401, ErrorCodes.Unauthenticated);
        Assert.True(await FailedSignInAuditedAsync(person.Id, "account disabled"));
    }

    [Fact]
    public async Task SignOut_CapturedCookie_NoLongerWorksAfterwards()
    {
        // Arrange
        var (person, password) = await PersonWithPasswordAsync("Cardholder");
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var signIn = await SignInAsync(client, person.LogonName, password);
        var cookie = SessionCookie(signIn);
        using var session = CookieClient(cookie);
        using var captured = CookieClient(cookie);
        Assert.Equal(HttpStatusCode.OK, (await captured.GetAsync("/api/v1/me")).StatusCode);

        // Act
        var signOut = await session.PostAsync("/api/v1/auth/sign-out", null);

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        await MobileIdApp.AssertProblemAsync(await captured.GetAsync("/api/v1/me"), 401, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task OutOfScopeRefusal_DecidedByTheHandler_IsAudited()
    {
        // Arrange: a Cardholder (Self scope) looks at someone else.
        var (person, password) = await PersonWithPasswordAsync("Cardholder");
        var other = await App.CreatePersonAsync("other." + Guid.NewGuid().ToString("N")[..10]);
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var session = CookieClient(SessionCookie(await SignInAsync(client, person.LogonName, password)));

        // Act
        var response = await session.GetAsync($"/api/v1/people/{other.Id}");

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.OutOfScope);
        var audited = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(r => r.Action == "access.denied" && r.ActorName == person.LogonName && r.Outcome == AuditOutcome.Denied
                && r.Details!.Contains(other.Id.ToString())));
        Assert.True(audited);
    }

    [Fact]
    public async Task SignIn_NoRoleAllowsPasswordLogon_Returns401()
    {
        // Arrange: no role at all, then only a role for certificate logon.
        var (person, password) = await PersonWithPasswordAsync();
        var certificateOnly = "Certificate only " + Guid.NewGuid().ToString("N")[..8];
        var role = await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(certificateOnly, null, Scope.Self, [Workflow.FindPerson], AllowPasswordLogon: false, AllowCertificateLogon: true),
            CancellationToken.None));
        Assert.True(role.IsSuccess, role.Error?.Detail);
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        // Act + Assert
        await MobileIdApp.AssertProblemAsync(await SignInAsync(client, person.LogonName, password), 401, ErrorCodes.Unauthenticated);
        await AssignAsync(person.Id, certificateOnly);
        await MobileIdApp.AssertProblemAsync(await SignInAsync(client, person.LogonName, password), 401, ErrorCodes.Unauthenticated);
        Assert.True(await FailedSignInAuditedAsync(person.Id, "no role of the person allows password logon"));

        // The password was right all along: a role that allows password logon lets the person in.
        await AssignAsync(person.Id, certificateOnly, "Cardholder");
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(client, person.LogonName, password)).StatusCode);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string logonName, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/sign-in", new { logonName, password });

    private static async Task AssertPasswordRefusedAsync(HttpClient client, string current, string next, string field, string message)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = current, newPassword = next });
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains(message, StringComparison.Ordinal));
    }

    /// <summary>The session cookie a sign-in set, as a <c>Cookie</c> header value.</summary>
    private static string SessionCookie(HttpResponseMessage response)
    {
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        var session = cookies.Select(c => c.Split(';')[0]).Where(c => c.StartsWith(SessionCookieName, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(session);
        return string.Join("; ", session);
    }

    private HttpClient CookieClient(string cookie)
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    /// <summary>
    /// Any request to the endpoint: access is decided before the body is read. Note: the content type
    /// must be one the endpoint accepts, or routing answers 415 before access is checked.
    /// </summary>
    private static HttpRequestMessage AnyRequest(ApiEndpoint endpoint, Guid id)
    {
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.PathWith(id));
        if (endpoint.Method is "POST" or "PUT")
        {
            var accepts = endpoint.Endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes;
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, accepts is { Count: > 0 } ? accepts[0] : "application/json");
        }

        return request;
    }

    private async Task<(PersonView Person, string Password)> PersonWithPasswordAsync(params string[] roles)
    {
        var person = await App.CreatePersonAsync("signin." + Guid.NewGuid().ToString("N")[..12], null, null, roles);
        var password = "Pass-" + Guid.NewGuid().ToString("N");
        await App.SetPasswordAsync(person.Id, password);
        return (person, password);
    }

    private async Task AssignAsync(Guid personId, params string[] roles)
    {
        var result = await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().AssignAsync(Caller.System("test"), personId, roles, CancellationToken.None));
        Assert.True(result.IsSuccess, result.Error?.Detail);
    }

    private Task<List<string>> RolesOfAsync(Guid personId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().PersonRoles.Where(r => r.PersonId == personId)
            .Select(r => r.Role!.Name).OrderBy(n => n).ToListAsync());

    private Task<bool> FailedSignInAuditedAsync(Guid personId, string reason) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(r => r.Action == "signin.failed" && r.TargetPersonId == personId && r.Details!.Contains(reason)));
}

public sealed class SqliteSignInTests(SqliteAppFixture fixture) : SignInTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresSignInTests(PostgresAppFixture fixture) : SignInTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
