using MobileId.Server.Tests.Features.Access;

namespace MobileId.Server.Tests.Console;

/// <summary>Signed-in console browsers for page tests: a new role with the given workflows and scope, and a person who holds it.</summary>
public static class ConsoleSessions
{
    /// <summary>A browser (cookies kept, redirects not followed) signed in as a new person whose one role grants these workflows.</summary>
    public static async Task<HttpClient> SignedInAsync(MobileIdApp app, Scope scope, params Workflow[] workflows)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var role = "console-role-" + tag;
        var created = await app.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(role, null, scope, [.. workflows], true, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        var person = await app.CreatePersonAsync("console." + tag, null, null, role);
        var password = "Pass-" + Guid.NewGuid().ToString("N");
        await app.SetPasswordAsync(person.Id, password, false);
        var browser = ConsoleForms.Browser(app);
        using var signedIn = await ConsoleForms.SignInAsync(browser, "console." + tag, password);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        return browser;
    }
}
