using MobileId.Server.Features.Layouts;

namespace MobileId.Server.Tests.Console;

/// <summary><b>Card Layouts</b> in the console: list, create, edit (elements, order, images), delete with confirmation, through the layout service.</summary>
public sealed class ConsoleLayoutsTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    /// <summary>The smallest PNG: the signature and nothing else is enough for the service's content check.</summary>
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    private Task<CardLayoutView?> StoredAsync(string name) =>
        fixture.App.WithServicesAsync(async s => (await s.GetRequiredService<CardLayouts>().GetAsync(name, CancellationToken.None)).Value);

    private Task<CardLayoutView> CreateAsync(string name, params LayoutElement[] elements) =>
        fixture.App.WithServicesAsync(async s => (await s.GetRequiredService<CardLayouts>().SaveAsync(Caller.System("test"), null,
            new CardLayoutInput(name, "made by the test", [.. elements]), CancellationToken.None)).Value!);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Loads the page, then posts its layout form as a browser does (multipart), with an optional file in one row.</summary>
    private static async Task<HttpResponseMessage> SubmitMultipartAsync(HttpClient browser, string path, IDictionary<string, string> fields,
        (int Row, string FileName, byte[] Content)? file = null)
    {
        var token = ConsoleForms.Token(await browser.GetStringAsync(path));
        var content = new MultipartFormDataContent
        {
            { new StringContent("layout"), "_handler" },
            { new StringContent(token), "__RequestVerificationToken" },
        };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        if (file is var (row, fileName, bytes))
        {
            content.Add(new ByteArrayContent(bytes), $"file-{row}", fileName);
        }

        return await browser.PostAsync(path, content);
    }

    [Fact]
    public async Task LayoutsList_ShowsLayoutsWithTheirProfilesAndQFilters()
    {
        // Arrange
        var name = Unique("list");
        await CreateAsync(name, new LayoutElement("text", "displayName"), new LayoutElement("qr"));
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act
        var found = await browser.GetStringAsync("/console/layouts?q=" + name);
        var missing = await browser.GetStringAsync("/console/layouts?q=no-such-layout-here");

        // Assert
        Assert.Contains($"<a href=\"/console/layouts/{name}\">{name}</a>", found, StringComparison.Ordinal);
        Assert.Contains("<td>displayName, qr</td>", found, StringComparison.Ordinal);
        Assert.Contains("<td>no profile</td>", found, StringComparison.Ordinal);
        Assert.Contains("0 card layouts found.", missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateLayout_ElementsInPositionOrder_RedirectsToItAndTheServiceHasThem()
    {
        // Arrange
        var name = Unique("badge");
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act: the QR code is typed first but placed last.
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/layouts/new", "layout", new Dictionary<string, string>
        {
            ["rows"] = "3", ["name"] = name, ["description"] = "Front of the staff badge",
            ["type-0"] = "qr", ["position-0"] = "3", ["field-0"] = "displayName",
            ["type-1"] = "text", ["position-1"] = "1", ["field-1"] = "displayName", ["label-1"] = "Name",
            ["type-2"] = "photo", ["position-2"] = "2", ["field-2"] = "displayName",
        });
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal($"/console/layouts/{name}?saved=true", response.Headers.Location.PathAndQuery);
        Assert.Contains("role=\"status\">Saved.</p>", page, StringComparison.Ordinal);
        Assert.Contains($"<h1>{name}</h1>", page, StringComparison.Ordinal);
        var stored = await StoredAsync(name);
        Assert.Equal("Front of the staff badge", stored!.Description);
        Assert.Equal([new LayoutElement("text", "displayName", "Name"), new LayoutElement("photo"), new LayoutElement("qr")], stored.Elements);
    }

    [Fact]
    public async Task EditLayout_UploadImageRemoveElementAndRename_KeepsTheRestAndTheServiceHasIt()
    {
        // Arrange
        var name = Unique("edit");
        var renamed = Unique("renamed");
        await CreateAsync(name, new LayoutElement("text", "displayName"), new LayoutElement("qr"));
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act: row 1 (the QR code) removed, a logo uploaded in the first empty row, the name changed.
        using var response = await SubmitMultipartAsync(browser, $"/console/layouts/{name}", new Dictionary<string, string>
        {
            ["rows"] = "5", ["name"] = renamed, ["description"] = "",
            ["type-0"] = "text", ["position-0"] = "2", ["field-0"] = "jobTitle", ["label-0"] = "Role",
            ["type-1"] = "", ["position-1"] = "2", ["field-1"] = "displayName",
            ["type-2"] = "image", ["position-2"] = "1", ["field-2"] = "displayName",
        }, (2, "logo.jpeg.png", Png));
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);
        using var kept = await ConsoleForms.SubmitAsync(browser, $"/console/layouts/{renamed}", "layout", new Dictionary<string, string>
        {
            ["rows"] = "2", ["name"] = renamed,
            ["type-0"] = "image", ["position-0"] = "1", ["fileName-0"] = "logo.jpeg.png", ["data-0"] = Convert.ToBase64String(Png),
            ["type-1"] = "text", ["position-1"] = "2", ["field-1"] = "jobTitle", ["label-1"] = "Job",
        });

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains("Keeps logo.jpeg.png unless another file is chosen.", page, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
        Assert.Equal(HttpStatusCode.Found, kept.StatusCode);
        var stored = await StoredAsync(renamed);
        Assert.Null(stored!.Description);
        Assert.Equal([new LayoutElement("image", FileName: "logo.jpeg.png", Data: Convert.ToBase64String(Png)), new LayoutElement("text", "jobTitle", "Job")],
            stored.Elements);
    }

    [Fact]
    public async Task SaveLayout_BadImageAndNoName_ShowsEachMessageNextToItsFieldAndChangesNothing()
    {
        // Arrange
        var name = Unique("bad");
        var before = await CreateAsync(name, new LayoutElement("text", "displayName"), new LayoutElement("qr"));
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act: a GIF named .gif in the third row, and no name.
        using var response = await SubmitMultipartAsync(browser, $"/console/layouts/{name}", new Dictionary<string, string>
        {
            ["rows"] = "3", ["name"] = " ",
            ["type-0"] = "text", ["position-0"] = "1", ["field-0"] = "email",
            ["type-1"] = "qr", ["position-1"] = "2",
            ["type-2"] = "image", ["position-2"] = "3",
        }, (2, "logo.gif", "GIF89a"u8.ToArray()));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"name-error\">A card layout needs a name of at most 100 characters.</span>", ConsoleSessions.FieldBlock(html, "name"),
            StringComparison.Ordinal);
        var row = html[html.IndexOf("<legend>Element 3</legend>", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</fieldset>", StringComparison.Ordinal)];
        Assert.Contains("id=\"element-2-error\">An image is a .png, .jpg or .jpeg file; &#x27;logo.gif&#x27; is not.</span>", row, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"element-0-error\"", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"email\" selected>email</option>", html, StringComparison.Ordinal);
        var after = await StoredAsync(name);
        Assert.Equal((before.Name, before.UpdatedAt), (after!.Name, after.UpdatedAt));
        Assert.Equal(before.Elements, after.Elements);
    }

    [Fact]
    public async Task DeleteLayout_OnlyOnceConfirmed_RemovesIt()
    {
        // Arrange
        var name = Unique("delete");
        await CreateAsync(name, new LayoutElement("photo"));
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act
        using var unconfirmed = await ConsoleForms.SubmitAsync(browser, $"/console/layouts/{name}", "delete", new Dictionary<string, string>());
        var unconfirmedHtml = await unconfirmed.Content.ReadAsStringAsync();
        var stillThere = await StoredAsync(name);
        using var confirmed = await ConsoleForms.SubmitAsync(browser, $"/console/layouts/{name}", "delete", new Dictionary<string, string> { ["confirm"] = "yes" });
        var list = await browser.GetStringAsync(confirmed.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("id=\"confirm-error\">Tick the box to confirm", ConsoleSessions.FieldBlock(unconfirmedHtml, "confirm"), StringComparison.Ordinal);
        Assert.NotNull(stillThere);
        Assert.Equal(HttpStatusCode.Found, confirmed.StatusCode);
        Assert.Contains($"The card layout {name} was deleted.", list, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
    }

    [Fact]
    public async Task SaveAndDeleteLayout_WorkflowWithoutScopeAll_AreRefusedAndNothingChanges()
    {
        // Arrange
        var name = Unique("scoped");
        var before = await CreateAsync(name, new LayoutElement("qr"));
        var role = await ConsoleSessions.CreateRoleAsync(fixture.App, Scope.Department, Workflow.CardLayouts);
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, role);

        // Act
        using var view = await browser.GetAsync($"/console/layouts/{name}");
        using var save = await ConsoleForms.SubmitAsync(browser, $"/console/layouts/{name}", "layout", new Dictionary<string, string>
        {
            ["rows"] = "1", ["name"] = name, ["type-0"] = "photo", ["position-0"] = "1",
        });
        var saveHtml = await save.Content.ReadAsStringAsync();
        using var create = await ConsoleForms.SubmitAsync(browser, "/console/layouts/new", "layout", new Dictionary<string, string>
        {
            ["rows"] = "1", ["name"] = name + "-new", ["type-0"] = "photo", ["position-0"] = "1",
        });
        using var delete = await ConsoleForms.SubmitAsync(browser, $"/console/layouts/{name}", "delete", new Dictionary<string, string> { ["confirm"] = "yes" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, save.StatusCode);
        Assert.Contains("need a role that grants it with scope All", saveHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(before.Elements, (await StoredAsync(name))!.Elements);
        Assert.Null(await StoredAsync(name + "-new"));
    }
}
