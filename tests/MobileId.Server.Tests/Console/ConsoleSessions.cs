using MobileId.Server.Tests.Features.Access;

namespace MobileId.Server.Tests.Console;

/// <summary>Signed-in console browsers for people with a given role, for the administration page tests.</summary>
public static class ConsoleSessions
{
    /// <summary>A new role with these workflows and this scope; its name.</summary>
    public static async Task<string> CreateRoleAsync(MobileIdApp app, Scope scope, params Workflow[] workflows)
    {
        var role = "console-" + Guid.NewGuid().ToString("N")[..10];
        await app.WithServicesAsync(async s =>
        {
            Assert.True((await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
                new RoleInput(role, null, scope, [.. workflows], true, null), CancellationToken.None)).IsSuccess);
            return true;
        });
        return role;
    }

    /// <summary>A browser (no redirects followed) signed in as a new person holding <paramref name="role"/>.</summary>
    public static async Task<HttpClient> SignedInAsync(MobileIdApp app, string role)
    {
        var logon = "console." + Guid.NewGuid().ToString("N")[..10];
        var person = await app.CreatePersonAsync(logon, null, null, role);
        var password = "Pass-" + Guid.NewGuid().ToString("N");
        await app.SetPasswordAsync(person.Id, password);
        var browser = ConsoleForms.Browser(app);
        using var signedIn = await ConsoleForms.SignInAsync(browser, logon, password);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        return browser;
    }

    /// <summary>
    /// Posts a form to a page the browser may not see (it answers 403, so it has no form to read), with
    /// the token of the console's home page: the way a forged or stale form would arrive.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string path, string form, IDictionary<string, string> fields)
    {
        var values = new Dictionary<string, string>(fields)
        {
            ["_handler"] = form,
            ["__RequestVerificationToken"] = ConsoleForms.Token(await browser.GetStringAsync("/console")),
        };
        return await browser.PostAsync(path, new FormUrlEncodedContent(values));
    }

    /// <summary>The element with this id and everything up to the end of its enclosing <c>div.field</c>, to show a message sits next to its field.</summary>
    public static string FieldBlock(string html, string id)
    {
        var start = html.IndexOf($"id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"The page has no element with id {id}.");
        var open = html.LastIndexOf("<div class=\"field", start, StringComparison.Ordinal);
        var end = html.IndexOf("</div>", start, StringComparison.Ordinal);
        Assert.True(open >= 0 && end > start, $"{id} is not inside a div.field.");
        return html[open..end];
    }
}
