using System.Net;
using System.Text.RegularExpressions;

namespace MobileId.Server.Features.Notifications;

/// <summary>
/// The plain-text form of an HTML email body: for the text part of a multipart/alternative mail and
/// for Mail Format Text. Links keep their address, paragraphs and line breaks become new lines.
/// Note: made for the simple HTML of message templates, not as a general HTML renderer.
/// </summary>
public static partial class HtmlText
{
    public static string ToPlainText(string html)
    {
        var text = Ignored().Replace(html, "");
        text = Link().Replace(text, m =>
        {
            var href = WebUtility.HtmlDecode(m.Groups[2].Value).Trim();
            var label = WebUtility.HtmlDecode(AnyTag().Replace(m.Groups[3].Value, "")).Trim();
            return label.Length == 0 || label == href ? href : $"{label} ({href})";
        });
        text = Whitespace().Replace(text, " ");
        text = ListItem().Replace(text, "\n- ");
        text = BlockBreak().Replace(text, "\n\n");
        text = LineBreak().Replace(text, "\n");
        text = WebUtility.HtmlDecode(AnyTag().Replace(text, ""));
        var lines = text.Split('\n').Select(l => l.Trim());
        return BlankLines().Replace(string.Join('\n', lines), "\n\n").Trim() + "\n";
    }

    [GeneratedRegex(@"<(head|style|script|title)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Ignored();

    [GeneratedRegex(@"<a\b[^>]*?\bhref\s*=\s*([""'])(.*?)\1[^>]*>(.*?)</a\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Link();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"<li\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"</?(p|div|h[1-6]|ul|ol|table|tr|blockquote|hr)\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockBreak();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"\n{3,}", RegexOptions.CultureInvariant)]
    private static partial Regex BlankLines();
}
