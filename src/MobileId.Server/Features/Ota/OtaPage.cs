using System.Net;
using System.Text;

namespace MobileId.Server.Features.Ota;

/// <summary>
/// The intermediate page of iOS OTA enrolment (<c>/ota</c>): the operator's introduction, the steps,
/// the link to the root CA certificate and the form for the one-time code. Plain HTML, no script
/// (the console's Content-Security-Policy applies); every text is HTML-escaped.
/// </summary>
public static class OtaPage
{
    /// <param name="texts">The iOS OTA settings' texts.</param>
    /// <param name="introduction">The operator's text (<see cref="OtaOptions.IntroductionFile"/>): paragraphs separated by blank lines.</param>
    /// <param name="enabled">False when no iOS OTA Credential Profile is set: the page says so and has no form.</param>
    /// <param name="error">A refusal to show above the form.</param>
    public static string Render(OtaTexts texts, string? introduction, bool enabled, string? error = null)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<link rel=\"stylesheet\" href=\"/console/console.css\">")
            .Append("<title>").Append(E(texts.DisplayName)).Append("</title></head>\n<body><main>\n")
            .Append("<h1>").Append(E(texts.DisplayName)).Append("</h1>\n")
            .Append("<p class=\"organization\">").Append(E(texts.Organization)).Append("</p>\n");
        if (texts.Description.Length > 0)
        {
            html.Append("<p>").Append(E(texts.Description)).Append("</p>\n");
        }

        foreach (var paragraph in Paragraphs(introduction))
        {
            html.Append("<p>").Append(E(paragraph)).Append("</p>\n");
        }

        if (error is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>\n");
        }

        if (!enabled)
        {
            html.Append("<p>iOS over-the-air enrolment is not enabled on this server. Ask your administrator.</p>\n");
        }
        else
        {
            html.Append("<ol>\n")
                .Append("<li>Open this page in Safari on the iPhone or iPad to enrol.</li>\n")
                .Append("<li><a href=\"/ota/ca.crt\">Install the root certificate</a>: allow the download, then in Settings ▸ Profile Downloaded tap Install. ")
                .Append("Then turn on full trust for it in Settings ▸ General ▸ About ▸ Certificate Trust Settings.</li>\n")
                .Append("<li>Enter the one-time code from your message below and tap Enrol; allow the download of the enrolment profile.</li>\n")
                .Append("<li>In Settings ▸ Profile Downloaded, tap Install. The device sends its identity to the server and installs the certificate it receives.</li>\n")
                .Append("</ol>\n")
                .Append("<form method=\"post\" action=\"/ota/enrol\">\n")
                .Append("<label for=\"code\">One-time code</label>\n")
                .Append("<input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\n")
                .Append("<button type=\"submit\">Enrol</button>\n</form>\n");
        }

        return html.Append("</main></body></html>\n").ToString();
    }

    private static IEnumerable<string> Paragraphs(string? text) =>
        (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => string.Join(' ', p.Split('\n', StringSplitOptions.TrimEntries)));

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
