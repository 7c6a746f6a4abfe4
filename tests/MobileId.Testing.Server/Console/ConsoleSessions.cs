using MobileId.Testing.Features.Access;

namespace MobileId.Testing.Console;

/// <summary>Signed-in console browsers for people with a given role, for the administration page tests.</summary>
public static class ConsoleSessions
{
    /// <summary>A browser (cookies kept, redirects not followed) signed in as a new person whose one role grants these workflows.</summary>
    public static Task<HttpClient> SignedInAsync(MobileIdApp app, Scope scope, params Workflow[] workflows) =>
        ConsoleAdministrators.SignedInWithAsync(app, scope, workflows);

    /// <summary>A new role with these workflows and this scope; its name.</summary>
    public static Task<string> CreateRoleAsync(MobileIdApp app, Scope scope, params Workflow[] workflows) =>
        ConsoleAdministrators.RoleAsync(app, scope, workflows);

    /// <summary>A browser (no redirects followed) signed in as a new person holding <paramref name="role"/>.</summary>
    public static Task<HttpClient> SignedInAsync(MobileIdApp app, string role) => ConsoleAdministrators.SignedInAsync(app, role);

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
