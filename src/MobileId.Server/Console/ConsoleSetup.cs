using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Console;

/// <summary>
/// The web console (docs/console.md): Razor components rendered on the server (static SSR), no
/// JavaScript, under <c>/console</c>. Forms carry antiforgery tokens; pages call the feature
/// services with the signed-in person as the caller, exactly as the API does.
/// </summary>
public static class ConsoleSetup
{
    /// <summary>The console's pages; the Content-Security-Policy applies to them.</summary>
    public const string Prefix = "/console";

    public static IServiceCollection AddMobileIdConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "MobileId.Antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        return services;
    }

    public static WebApplication MapMobileIdConsole(this WebApplication app)
    {
        app.MapRazorComponents<App>();
        app.MapGet(Prefix + "/console.css", () => TypedResults.Text(Stylesheet.Value, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapPost(Prefix + "/sign-out", SignOutAsync).ExcludeFromDescription();
        // Note: an address that no page has gets the console's own page, not the API's problem JSON.
        app.MapGet(Prefix + "/{**rest}", () => new RazorComponentResult<App> { StatusCode = StatusCodes.Status404NotFound })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Where to go after sign-in: a console address of this server, or the console's home.</summary>
    public static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith(Prefix, StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal)
            && !url.Contains('\\', StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Relative, out _)
            ? url
            : Prefix;

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, SignInService signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Text("The sign-out form has expired or did not come from this console. Reload the page and try again.",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        if (context.Items[typeof(Caller)] is Caller caller)
        {
            await signIn.SignOutAsync(caller, context, context.RequestAborted);
        }

        return TypedResults.Redirect(Prefix + "/sign-in");
    }

    private static readonly Lazy<string> Stylesheet = new(() =>
    {
        using var stream = typeof(ConsoleSetup).Assembly.GetManifestResourceStream("MobileId.Server.Console.console.css")
            ?? throw new InvalidOperationException("The console stylesheet is not embedded in the server.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
