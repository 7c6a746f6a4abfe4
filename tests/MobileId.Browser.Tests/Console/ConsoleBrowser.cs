using Microsoft.Playwright;

namespace MobileId.Browser.Tests.Console;

/// <summary>
/// Debian's Chromium (installed by test.sh, never downloaded), driven headless by Playwright.
/// Screenshots go to <c>screenshots/</c> beside the test assembly; docs/console.md shows them.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<ConsoleBrowser> StartAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: ./test.sh installs the Debian package chromium.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Note: as root Chromium needs --no-sandbox; the rest keep it off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 800 } });
        var page = await context.NewPageAsync();
        // Note: the whole suite shares two cores; a page can take seconds to come while it runs.
        page.SetDefaultTimeout(30_000);
        return new ConsoleBrowser(playwright, browser, page);
    }

    /// <summary>
    /// Signs in on the sign-in page that is open, and waits for the page that follows (a glob such as
    /// <c>**/console</c>). When another page stays, the failure shows its address and text.
    /// </summary>
    public async Task SignInAsync(string logon, string password, string next)
    {
        await Page.GetByLabel("Logon name").FillAsync(logon);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await WaitForAsync(next);
    }

    /// <summary>Waits for the address (a glob); when another page stays, the failure shows its address and text.</summary>
    public async Task WaitForAsync(string glob)
    {
        try
        {
            // Note: the address is what counts. Playwright's assertion polls the page's address, so a
            // navigation that ends before the wait begins is not missed, and no load event is awaited
            // (the suite's load on two cores can hold one back while the right page is shown).
            // Locators wait for the elements the test reads next.
            await Assertions.Expect(Page).ToHaveURLAsync(GlobPattern(glob), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException)
        {
            throw new Xunit.Sdk.XunitException($"Expected {glob}, but the browser shows {Page.Url}:\n{await Page.Locator("main").InnerTextAsync()}");
        }
    }

    /// <summary>A Playwright URL glob as a regular expression: <c>**</c> any characters, <c>*</c> any but <c>/</c>, the rest literal.</summary>
    private static System.Text.RegularExpressions.Regex GlobPattern(string glob)
    {
        var pattern = System.Text.RegularExpressions.Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new System.Text.RegularExpressions.Regex("^" + pattern + "$");
    }

    /// <summary>Saves a full-page screenshot as <c>screenshots/{name}.png</c>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        try
        {
            // Note: the stylesheet belongs in the picture; a screenshot is documentation, not an assertion, so a late one is still taken.
            await Page.WaitForLoadStateAsync(LoadState.Load, new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
        }

        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
