using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace MobileId.Pki.Policies;

/// <summary>
/// Subject DN templates such as <c>CN={displayName},OU={group},O=Example</c> filled from a
/// person's fields (PRODUCT.md §4). Values are inserted as attribute values, never parsed as DN
/// syntax, so a name with a comma or an equals sign cannot add attributes.
/// </summary>
public static partial class SubjectTemplate
{
    /// <summary>The placeholders a template may use.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
        ["displayName", "firstName", "lastName", "logonName", "email", "employeeId", "organization", "group", "jobTitle"];

    private static readonly Dictionary<string, string> Attributes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CN"] = "2.5.4.3", ["O"] = "2.5.4.10", ["OU"] = "2.5.4.11", ["C"] = "2.5.4.6", ["L"] = "2.5.4.7",
        ["ST"] = "2.5.4.8", ["SERIALNUMBER"] = "2.5.4.5", ["T"] = "2.5.4.12", ["UID"] = "0.9.2342.19200300.100.1.1",
        ["E"] = "1.2.840.113549.1.9.1",
    };

    /// <summary>Checks a template; returns null when it is good, otherwise what is wrong.</summary>
    /// <param name="template">The template.</param>
    /// <returns>An error message or null.</returns>
    public static string? Validate(string? template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return "The subject template is required, for example CN={displayName},O=Example.";
        }

        foreach (var part in template.Split(','))
        {
            var pieces = part.Split('=', 2);
            if (pieces.Length != 2 || !Attributes.ContainsKey(pieces[0].Trim()))
            {
                return $"'{part.Trim()}' is not ATTRIBUTE=value with one of {string.Join(", ", Attributes.Keys)}.";
            }

            foreach (Match m in PlaceholderPattern().Matches(pieces[1]))
            {
                if (!Placeholders.Contains(m.Groups[1].Value, StringComparer.Ordinal))
                {
                    return $"'{{{m.Groups[1].Value}}}' is not a placeholder; use {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}.";
                }
            }
        }

        return null;
    }

    /// <summary>Fills a template. Attributes whose value comes out empty are left out.</summary>
    /// <param name="template">A template that passed <see cref="Validate"/>.</param>
    /// <param name="fields">Placeholder values.</param>
    /// <returns>The subject DN.</returns>
    public static X500DistinguishedName Render(string template, IReadOnlyDictionary<string, string?> fields)
    {
        var builder = new X500DistinguishedNameBuilder();
        // Note: templates are written as DNs are displayed, most specific first (CN=…,O=…), and the
        // builder takes them in that order; it encodes them least specific first (X.501).
        foreach (var part in template.Split(','))
        {
            var pieces = part.Split('=', 2);
            var value = PlaceholderPattern().Replace(pieces[1], m => fields.GetValueOrDefault(m.Groups[1].Value) ?? "").Trim();
            if (value.Length == 0)
            {
                continue;
            }

            var oid = Attributes[pieces[0].Trim()];
            var encoding = oid is "2.5.4.6" ? UniversalTagNumber.PrintableString
                : oid is "1.2.840.113549.1.9.1" ? UniversalTagNumber.IA5String
                : UniversalTagNumber.UTF8String;
            builder.Add(oid, value, encoding);
        }

        return builder.Build();
    }

    [GeneratedRegex(@"\{([A-Za-z]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();
}
