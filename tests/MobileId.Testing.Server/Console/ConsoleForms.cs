using Microsoft.AspNetCore.Mvc.Testing;
using System.Text.RegularExpressions;
using MobileId.Server.Features.People;

namespace MobileId.Testing.Console;

/// <summary>Drives the console's server-rendered forms over plain HTTP, as a browser without scripts does.</summary>
public static partial class ConsoleForms
{
    /// <summary>A client that keeps cookies and does not follow redirects, so tests see each 302.</summary>
    public static HttpClient Browser(MobileIdApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

    /// <summary>The same, for a server on loopback at <paramref name="baseAddress"/>.</summary>
    public static HttpClient Browser(string baseAddress) =>
        new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(baseAddress) };

    /// <summary>The antiforgery token of the first form on the page.</summary>
    public static string Token(string html) => TokenField().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new Xunit.Sdk.XunitException("The page has no antiforgery token:\n" + html);

    /// <summary>Loads <paramref name="path"/>, then posts its form named <paramref name="form"/> with these fields and the page's token.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string path, string form, IDictionary<string, string> fields, bool withToken = true)
    {
        var page = await browser.GetStringAsync(path);
        var values = new Dictionary<string, string>(fields) { ["_handler"] = form };
        if (withToken)
        {
            values["__RequestVerificationToken"] = Token(page);
        }

        return await browser.PostAsync(path, new FormUrlEncodedContent(values));
    }

    /// <summary>
    /// A new person (in <paramref name="groupId"/>, when given) with a password and one role that grants
    /// <paramref name="workflows"/> with <paramref name="scope"/>.
    /// </summary>
    public static async Task<(PersonView Person, string Password)> PersonWithRoleAsync(MobileIdApp app, Scope scope, Guid? groupId,
        params Workflow[] workflows) =>
        await ConsoleAdministrators.PersonAsync(app, await ConsoleAdministrators.RoleAsync(app, scope, workflows), groupId);

    /// <summary>The same person, signed in through the sign-in page in a browser of the in-memory server.</summary>
    public static async Task<(HttpClient Browser, PersonView Person)> SignedInWithAsync(MobileIdApp app, Scope scope, Guid? groupId,
        params Workflow[] workflows)
    {
        var (person, password) = await PersonWithRoleAsync(app, scope, groupId, workflows);
        return (await SignedInBrowserAsync(app, person.LogonName, password), person);
    }

    /// <summary>A browser of the in-memory server, signed in through the sign-in page.</summary>
    public static async Task<HttpClient> SignedInBrowserAsync(MobileIdApp app, string logonName, string password)
    {
        var browser = Browser(app);
        using var signedIn = await SignInAsync(browser, logonName, password);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        return browser;
    }

    /// <summary>Signs in through the sign-in page; the answer is the redirect after it.</summary>
    public static Task<HttpResponseMessage> SignInAsync(HttpClient browser, string logonName, string password, string? returnUrl = null) =>
        SubmitAsync(browser, "/console/sign-in" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)), "sign-in",
            new Dictionary<string, string> { ["Input.LogonName"] = logonName, ["Input.Password"] = password, ["Input.ReturnUrl"] = returnUrl ?? "" });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
