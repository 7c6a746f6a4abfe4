using System.Text;
using System.Text.RegularExpressions;

namespace MobileId.Server.Features.Notifications;

/// <summary>
/// The placeholder language of message templates: <c>{{name}}</c> is replaced by a value, and
/// <c>{{#name}}…{{/name}}</c> keeps its text only when the value is given and not empty (for
/// optional parts such as the one-time code in an email). Names are letters and digits.
/// </summary>
public static partial class TemplateText
{
    private abstract record Node;

    private sealed record Literal(string Text) : Node;

    private sealed record Value(string Name) : Node;

    private sealed record Section(string Name, IReadOnlyList<Node> Children) : Node;

    /// <summary>Every placeholder and section name a text uses, and what is malformed in it.</summary>
    public static (IReadOnlySet<string> Names, IReadOnlyList<string> Errors) Inspect(string text)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var errors = new List<string>();
        Parse(text, names, errors);
        return (names, errors);
    }

    /// <summary>
    /// Fills a text in. Values are HTML-encoded when <paramref name="html"/> is set; a placeholder
    /// without a value becomes empty. The text must have passed <see cref="Inspect"/>.
    /// </summary>
    public static string Render(string text, IReadOnlyDictionary<string, string> values, bool html)
    {
        var errors = new List<string>();
        var nodes = Parse(text, new SortedSet<string>(StringComparer.Ordinal), errors);
        if (errors.Count > 0)
        {
            throw new FormatException(string.Join(" ", errors));
        }

        var output = new StringBuilder(text.Length + 64);
        Write(nodes, values, html, output);
        return output.ToString();
    }

    private static void Write(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, string> values, bool html, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case Literal literal:
                    output.Append(literal.Text);
                    break;
                case Value value when values.TryGetValue(value.Name, out var text):
                    output.Append(html ? HtmlEncode(text) : text);
                    break;
                case Section section when values.TryGetValue(section.Name, out var text) && !string.IsNullOrWhiteSpace(text):
                    Write(section.Children, values, html, output);
                    break;
            }
        }
    }

    private static List<Node> Parse(string text, SortedSet<string> names, List<string> errors)
    {
        var root = new List<Node>();
        var stack = new Stack<(string Name, List<Node> Nodes)>();
        var current = root;
        var position = 0;
        foreach (Match match in Tag().Matches(text))
        {
            if (match.Index > position)
            {
                current.Add(new Literal(text[position..match.Index]));
            }

            position = match.Index + match.Length;
            var inner = match.Groups[1].Value.Trim();
            var name = Name().Match(inner);
            if (!name.Success)
            {
                errors.Add($"'{match.Value}' is not a placeholder: write {{{{name}}}}, or {{{{#name}}}}…{{{{/name}}}} for a part shown only when name has a value.");
                continue;
            }

            var kind = name.Groups[1].Value;
            var placeholder = name.Groups[2].Value;
            names.Add(placeholder);
            switch (kind)
            {
                case "#":
                    var children = new List<Node>();
                    stack.Push((placeholder, current));
                    current.Add(new Section(placeholder, children));
                    current = children;
                    break;
                case "/" when stack.Count > 0 && stack.Peek().Name == placeholder:
                    current = stack.Pop().Nodes;
                    break;
                case "/":
                    errors.Add(stack.Count > 0
                        ? $"{{{{/{placeholder}}}}} closes a part, but the open part is {{{{#{stack.Peek().Name}}}}}."
                        : $"{{{{/{placeholder}}}}} closes a part that was never opened with {{{{#{placeholder}}}}}.");
                    break;
                default:
                    current.Add(new Value(placeholder));
                    break;
            }
        }

        if (position < text.Length)
        {
            current.Add(new Literal(text[position..]));
        }

        foreach (var (open, _) in stack)
        {
            errors.Add($"{{{{#{open}}}}} is never closed with {{{{/{open}}}}}.");
        }

        return root;
    }

    /// <summary>
    /// Escapes the five characters that HTML gives a meaning to, in text and in quoted attributes.
    /// Note: other characters stay as they are (the mail is UTF-8), so names read the same in the
    /// HTML source and in the text part.
    /// </summary>
    public static string HtmlEncode(string value)
    {
        var output = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = c switch
            {
                '&' => output.Append("&amp;"),
                '<' => output.Append("&lt;"),
                '>' => output.Append("&gt;"),
                '"' => output.Append("&quot;"),
                '\'' => output.Append("&#39;"),
                _ => output.Append(c),
            };
        }

        return output.ToString();
    }

    /// <summary>Groups a one-time code in fours for reading (<c>12345678</c> → <c>1234 5678</c>, PRODUCT.md §5.2).</summary>
    public static string GroupCode(string code)
    {
        var compact = code.Replace(" ", "", StringComparison.Ordinal);
        var output = new StringBuilder(compact.Length + compact.Length / 4);
        for (var i = 0; i < compact.Length; i++)
        {
            if (i > 0 && i % 4 == 0)
            {
                output.Append(' ');
            }

            output.Append(compact[i]);
        }

        return output.ToString();
    }

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^([#/]?)\s*([A-Za-z][A-Za-z0-9]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}
