using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using MobileId.Server.Console;

namespace MobileId.Server.Tests.Console;

/// <summary>
/// Every page of the console, found by reflection so that a new page is covered the day it is
/// added: a visitor is sent to sign in, a role without the page's workflow gets 403, a role with it
/// gets the page, and a form post without an antiforgery token is refused.
/// </summary>
public sealed partial class ConsolePageCatalogTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static readonly ConcurrentDictionary<string, Task<HttpClient>> Browsers = new();

    /// <summary>A page: its address (route values filled with unknown ids), its workflow and whether viewing needs scope All.</summary>
    public sealed record Page(string Path, Workflow? Workflow, bool AllScope, bool HasRouteValues)
    {
        public override string ToString() => Path;
    }

    public static TheoryData<Page> Pages() => [.. All()];

    /// <summary>The pages that need a workflow.</summary>
    public static TheoryData<Page> WorkflowPages() => [.. All().Where(p => p.Workflow is not null)];

    private static IEnumerable<Page> All() =>
        typeof(ConsolePage).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ConsolePage)) && !t.IsAbstract)
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => (Type: t, r.Template)))
            .Select(p =>
            {
                var page = (ConsolePage)Activator.CreateInstance(p.Type)!;
                var workflow = (Workflow?)Property(p.Type, "RequiredWorkflow").GetValue(page);
                var allScope = (bool)Property(p.Type, "RequiresAllScope").GetValue(page)!;
                var path = RouteValue().Replace(p.Template, m => m.Value.Contains(":guid", StringComparison.Ordinal) ? Guid.NewGuid().ToString() : "no-such-name");
                return new Page(path, workflow, allScope, path != p.Template);
            })
            .OrderBy(p => p.Path, StringComparer.Ordinal);

    private static PropertyInfo Property(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new InvalidOperationException($"{type.Name} has no {name}.");

    /// <summary>A signed-in browser whose one role grants these workflows with this scope (one per combination).</summary>
    private Task<HttpClient> BrowserWithAsync(Scope scope, params Workflow[] workflows) =>
        Browsers.GetOrAdd($"{fixture.GetHashCode()}:{scope}:{string.Join(",", workflows.Order())}",
            async _ => (await ConsoleForms.SignedInWithAsync(fixture.App, scope, null, workflows)).Browser);

    [Fact]
    public void Catalog_FindsThePagesAndEveryNavigationLinkHasOne()
    {
        // Arrange
        var paths = All().Select(p => p.Path).ToHashSet(StringComparer.Ordinal);

        // Act
        var links = ConsoleNavigation.All.SelectMany(s => s.Links).ToList();

        // Assert
        Assert.Contains("/console/people", paths);
        Assert.All(links, link => Assert.Contains(link.Href, paths));
    }

    [Theory]
    [InlineData("/console/people", "/console/people")]
    [InlineData("/console/people/new", "/console/people/new")]
    [InlineData("/console/people/0196a4e2-0000-7000-8000-000000000001/edit", "/console/people")]
    [InlineData("/console/policies/new", "/console/authorities")]
    [InlineData("/console/peoplex", null)]
    [InlineData("/console", null)]
    public void Navigation_MarksTheOneLinkThePageBelongsTo(string path, string? expected) =>
        Assert.Equal(expected, ConsoleNavigation.Current(path));

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_NotSignedIn_RedirectsToSignIn(Page page)
    {
        // Arrange
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var response = await browser.GetAsync(page.Path);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/console/sign-in?returnUrl=" + Uri.EscapeDataString(page.Path), response.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_RoleWithoutItsWorkflow_Answers403WithTheReason(Page page)
    {
        // Arrange: every workflow but the page's, with scope All
        var others = Enum.GetValues<Workflow>().Where(w => w != page.Workflow).ToArray();
        var browser = await BrowserWithAsync(Scope.All, others);

        // Act
        using var response = await browser.GetAsync(page.Path);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        if (page.Workflow is { } workflow)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains($"None of your roles grants the &#x27;{workflow.DisplayName()}&#x27; workflow.", html, StringComparison.Ordinal);
        }
        else
        {
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(WorkflowPages))]
    public async Task Page_WorkflowWithDepartmentScope_Answers403OnlyWhenViewingNeedsScopeAll(Page page)
    {
        // Arrange
        var browser = await BrowserWithAsync(Scope.Department, page.Workflow!.Value);

        // Act
        using var response = await browser.GetAsync(page.Path);

        // Assert
        Assert.Equal(page.AllScope, response.StatusCode == HttpStatusCode.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_RoleWithEveryWorkflow_RendersTheLayoutAndNavigation(Page page)
    {
        // Arrange
        var browser = await BrowserWithAsync(Scope.All, Enum.GetValues<Workflow>());

        // Act
        using var response = await browser.GetAsync(page.Path);
        var html = await response.Content.ReadAsStringAsync();

        // Assert: pages of unknown ids say so with the console's 404; the others render
        Assert.Equal(page.HasRouteValues ? HttpStatusCode.NotFound : HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<nav aria-label=\"Workflows\">", html, StringComparison.Ordinal);
        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_PostWithoutAntiforgeryToken_IsRefused(Page page)
    {
        // Arrange
        var browser = await BrowserWithAsync(Scope.All, Enum.GetValues<Workflow>());

        // Act
        using var response = await browser.PostAsync(page.Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "any" }));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteValue();
}
