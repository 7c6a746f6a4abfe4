using MobileId.Server.Features.People;
using MobileId.Testing.Features.Access;

namespace MobileId.Testing.Console;

/// <summary>
/// What the tests of the administration pages share: roles made for the test, a browser signed in as a
/// person holding one, and form posts whose fields repeat (checkbox lists).
/// </summary>
public static class ConsoleAdministrators
{
    /// <summary>Creates a role with these workflows and scope (as the system) and returns its name.</summary>
    public static async Task<string> RoleAsync(MobileIdApp app, Scope scope, params Workflow[] workflows)
    {
        var name = "admin-" + Guid.NewGuid().ToString("N")[..10];
        var created = await app.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(name, null, scope, [.. workflows], true, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return name;
    }

    /// <summary>A new person (in <paramref name="groupId"/>) who holds <paramref name="role"/>, with a password.</summary>
    public static async Task<(PersonView Person, string Password)> PersonAsync(MobileIdApp app, string role, Guid? groupId = null)
    {
        var person = await app.CreatePersonAsync("admin." + Guid.NewGuid().ToString("N")[..10], groupId, null, role);
        var password = "Pass-" + Guid.NewGuid().ToString("N");
        await app.SetPasswordAsync(person.Id, password, false);
        return (person, password);
    }

    /// <summary>A browser signed in as a new person (in <paramref name="groupId"/>) who holds <paramref name="role"/>.</summary>
    public static async Task<HttpClient> SignedInAsync(MobileIdApp app, string role, Guid? groupId = null)
    {
        var (person, password) = await PersonAsync(app, role, groupId);
        return await ConsoleForms.SignedInBrowserAsync(app, person.LogonName, password);
    }

    /// <summary>A browser signed in with a new role of these workflows and scope.</summary>
    public static async Task<HttpClient> SignedInWithAsync(MobileIdApp app, Scope scope, params Workflow[] workflows) =>
        await SignedInAsync(app, await RoleAsync(app, scope, workflows));

    /// <summary>Loads <paramref name="path"/> and posts its form <paramref name="form"/> with these fields, which may repeat.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string path, string form, params (string Name, string Value)[] fields)
    {
        var page = await browser.GetStringAsync(path);
        var values = fields.Select(f => KeyValuePair.Create(f.Name, f.Value))
            .Append(KeyValuePair.Create("_handler", form))
            .Append(KeyValuePair.Create("__RequestVerificationToken", ConsoleForms.Token(page)));
        return await browser.PostAsync(path, new FormUrlEncodedContent(values));
    }

    /// <summary>The text of an answer, with the status it must have.</summary>
    public static async Task<string> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {status}, got {response.StatusCode}:\n{html}");
        return html;
    }
}
