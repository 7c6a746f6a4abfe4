using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace MobileId.Pki.Enrolment.Ota;

/// <summary>
/// Apple XML property lists (PropertyList-1.0.dtd), as configuration profiles and the device's
/// attribute response use them. Values: <see cref="string"/>, <see cref="int"/>, <see cref="bool"/>,
/// <see cref="byte"/>[] (data), lists (array) and <see cref="PlistDict"/> (dict, keys in order).
/// </summary>
public static class Plist
{
    /// <summary>The largest plist read: a device's attribute response is well under a kilobyte.</summary>
    public const int MaxCharacters = 64 * 1024;

    /// <summary>Writes a dict or an array as an XML plist (UTF-8, no BOM); text is escaped by the XML writer.</summary>
    public static byte[] Write(object root)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "\t" }))
        {
            writer.WriteStartDocument();
            writer.WriteDocType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null);
            writer.WriteStartElement("plist");
            writer.WriteAttributeString("version", "1.0");
            WriteValue(writer, root);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Reads an XML plist whose top level is a dict. The DOCTYPE is ignored (no DTD is processed, no
    /// entity expanded, nothing fetched). Throws <see cref="FormatException"/> when it is not a plist.
    /// </summary>
    public static PlistDict ReadDict(byte[] xml)
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null, MaxCharactersInDocument = MaxCharacters };
            using var reader = XmlReader.Create(new MemoryStream(xml), settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FormatException("The content is not an XML property list: " + e.Message, e);
        }

        var top = document.Root is { Name.LocalName: "plist" } plist ? plist.Elements().SingleOrDefault() : null;
        return top is not null && ReadValue(top) is PlistDict dict ? dict : throw new FormatException("The property list's top level is not a dict.");
    }

    private static object ReadValue(XElement element) => element.Name.LocalName switch
    {
        "string" => element.Value,
        "integer" => long.TryParse(element.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number : throw new FormatException($"'{element.Value}' is not an integer."),
        "true" => true,
        "false" => false,
        "data" => Data(element.Value),
        "date" => element.Value,
        "real" => element.Value,
        "array" => element.Elements().Select(ReadValue).ToList(),
        "dict" => Dict(element),
        var other => throw new FormatException($"<{other}> is not a property list element."),
    };

    private static byte[] Data(string base64)
    {
        try
        {
            return Convert.FromBase64String(new string(base64.Where(c => !char.IsWhiteSpace(c)).ToArray()));
        }
        catch (FormatException e)
        {
            throw new FormatException("A <data> element is not base64.", e);
        }
    }

    private static PlistDict Dict(XElement element)
    {
        var dict = new PlistDict();
        var children = element.Elements().ToList();
        for (var i = 0; i < children.Count; i += 2)
        {
            if (children[i].Name.LocalName != "key" || i + 1 >= children.Count)
            {
                throw new FormatException("A dict must hold <key> and value pairs.");
            }

            dict[children[i].Value] = ReadValue(children[i + 1]);
        }

        return dict;
    }

    private static void WriteValue(XmlWriter writer, object value)
    {
        switch (value)
        {
            case string text:
                writer.WriteElementString("string", text);
                break;
            case int or long:
                writer.WriteElementString("integer", Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case bool flag:
                writer.WriteStartElement(flag ? "true" : "false");
                writer.WriteEndElement();
                break;
            case byte[] data:
                writer.WriteElementString("data", Convert.ToBase64String(data));
                break;
            case PlistDict dict:
                writer.WriteStartElement("dict");
                foreach (var (key, item) in dict)
                {
                    writer.WriteElementString("key", key);
                    WriteValue(writer, item);
                }

                writer.WriteEndElement();
                break;
            case System.Collections.IEnumerable list:
                writer.WriteStartElement("array");
                foreach (var item in list)
                {
                    WriteValue(writer, item!);
                }

                writer.WriteEndElement();
                break;
            default:
                throw new ArgumentException($"A {value.GetType().Name} has no property list form.", nameof(value));
        }
    }
}

/// <summary>A plist dict: keys in the order they were added.</summary>
public sealed class PlistDict : Dictionary<string, object>
{
    /// <summary>An empty dict whose keys compare ordinally.</summary>
    public PlistDict()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>The string under <paramref name="key"/>, trimmed, or null when there is none.</summary>
    /// <param name="key">The dict key.</param>
    /// <returns>The trimmed text, or null.</returns>
    public string? Text(string key) => TryGetValue(key, out var value) && value is string text && text.Trim().Length > 0 ? text.Trim() : null;
}
