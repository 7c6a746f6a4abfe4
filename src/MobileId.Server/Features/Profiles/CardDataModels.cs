using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Profiles;

/// <summary>A container of a card data model: where one certificate goes.</summary>
public sealed record CardContainer(string Name, string Id, bool Certificate, bool Explicit, bool Unique, bool PreserveContainerForHistoric);

/// <summary>A custom card data model (PRODUCT.md §3.1).</summary>
public sealed record CardDataModel(string Name, string? Description, string File, IReadOnlyList<CardContainer> Containers);

/// <summary>A file that could not be loaded: which file, which line, and why.</summary>
public sealed record CardDataModelError(string File, int Line, string Message)
{
    public override string ToString() => $"{File} line {Line}: {Message}";
}

/// <summary>The models loaded from the folder, and the files that were refused.</summary>
public sealed record CardDataModelSet(IReadOnlyList<CardDataModel> Models, IReadOnlyList<CardDataModelError> Errors, DateTime LoadedAt)
{
    public CardDataModel? Find(string name) => Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Loads custom card data models: one XML file per model with <c>CardDataModel/identity/{name,description}</c>
/// and <c>Container</c> nodes (<c>Name</c>, <c>ID</c>, <c>Certificate</c>, <c>Explicit</c>, <c>Unique</c>,
/// <c>PreserveContainerForHistoric</c>, as child elements or attributes). Files may be UTF-8 or ANSI.
/// A malformed file is reported by name and line and skipped; it never stops the server.
/// </summary>
public sealed partial class CardDataModels(IOptions<CardDataModelOptions> options, IOptions<MobileIdOptions> mobileId, TimeProvider time,
    ILogger<CardDataModels> logger)
{
    private readonly Lock _gate = new();
    private CardDataModelSet? _current;

    /// <summary>The folder the models are read from.</summary>
    public string Folder => Path.IsPathRooted(options.Value.Folder) ? options.Value.Folder : Path.Combine(mobileId.Value.DataPath, options.Value.Folder);

    /// <summary>The models as last loaded (loading them on first use).</summary>
    public CardDataModelSet Current
    {
        get
        {
            lock (_gate)
            {
                return _current ??= Load();
            }
        }
    }

    /// <summary>Reads the folder again, e.g. after an operator added a file.</summary>
    public CardDataModelSet Reload()
    {
        var loaded = Load();
        lock (_gate)
        {
            _current = loaded;
        }

        return loaded;
    }

    private CardDataModelSet Load()
    {
        var models = new List<CardDataModel>();
        var errors = new List<CardDataModelError>();
        if (Directory.Exists(Folder))
        {
            foreach (var path in Directory.EnumerateFiles(Folder, "*.xml").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(path);
                var (model, error) = Parse(name, File.ReadAllBytes(path));
                if (error is null && model is not null && models.Any(m => string.Equals(m.Name, model.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    error = new CardDataModelError(name, 1, $"The model name '{model.Name}' is already used by {models.First(m => string.Equals(m.Name, model.Name, StringComparison.OrdinalIgnoreCase)).File}.");
                }

                if (error is not null)
                {
                    errors.Add(error);
                    LogRefused(logger, error.ToString());
                }
                else
                {
                    models.Add(model!);
                }
            }
        }

        return new CardDataModelSet(models, errors, time.GetUtcNow().UtcDateTime);
    }

    /// <summary>Parses one model file.</summary>
    public static (CardDataModel? Model, CardDataModelError? Error) Parse(string file, byte[] bytes)
    {
        var text = TextFiles.Decode(bytes);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), settings);
            return Read(file, XDocument.Load(reader, LoadOptions.SetLineInfo));
        }
        catch (XmlException ex)
        {
            return (null, new CardDataModelError(file, Math.Max(ex.LineNumber, 1), $"not well-formed XML: {StripPosition(ex.Message)}"));
        }
        catch (ModelException ex)
        {
            return (null, new CardDataModelError(file, ex.Line, ex.Message));
        }
    }

    private static (CardDataModel?, CardDataModelError?) Read(string file, XDocument document)
    {
        var root = document.Root!;
        if (root.Name.LocalName != "CardDataModel")
        {
            throw new ModelException(LineOf(root), $"the root element is <{root.Name.LocalName}>, expected <CardDataModel>.");
        }

        var identity = Child(root, "identity") ?? throw new ModelException(LineOf(root), "CardDataModel/identity is missing.");
        var name = Value(identity, "name")?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            throw new ModelException(LineOf(identity), "CardDataModel/identity/name is missing or empty.");
        }

        if (name.Length > 100)
        {
            throw new ModelException(LineOf(identity), "CardDataModel/identity/name is longer than 100 characters.");
        }

        var containers = new List<CardContainer>();
        foreach (var node in root.Elements().Where(e => e.Name.LocalName == "Container"))
        {
            var containerName = Value(node, "Name")?.Trim();
            if (string.IsNullOrEmpty(containerName))
            {
                throw new ModelException(LineOf(node), "a Container has no Name.");
            }

            if (containers.Any(c => string.Equals(c.Name, containerName, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ModelException(LineOf(node), $"the container name '{containerName}' appears twice.");
            }

            containers.Add(new CardContainer(containerName, Value(node, "ID")?.Trim() ?? "", Flag(node, "Certificate", true), Flag(node, "Explicit", false),
                Flag(node, "Unique", false), Flag(node, "PreserveContainerForHistoric", false)));
        }

        if (containers.Count == 0)
        {
            throw new ModelException(LineOf(root), "the model has no Container.");
        }

        return (new CardDataModel(name, Value(identity, "description")?.Trim(), file, containers), null);
    }

    private static XElement? Child(XElement parent, string name) =>
        parent.Elements().FirstOrDefault(e => string.Equals(e.Name.LocalName, name, StringComparison.OrdinalIgnoreCase));

    private static string? Value(XElement element, string name) =>
        Child(element, name)?.Value ?? element.Attributes().FirstOrDefault(a => string.Equals(a.Name.LocalName, name, StringComparison.OrdinalIgnoreCase))?.Value;

    private static bool Flag(XElement element, string name, bool fallback)
    {
        var text = Value(element, name)?.Trim();
        return text switch
        {
            null or "" => fallback,
            _ when text.Equals("true", StringComparison.OrdinalIgnoreCase) || text is "1" || text.Equals("yes", StringComparison.OrdinalIgnoreCase) => true,
            _ when text.Equals("false", StringComparison.OrdinalIgnoreCase) || text is "0" || text.Equals("no", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new ModelException(LineOf(Child(element, name) ?? element), $"{name} is '{text}'; use true or false."),
        };
    }

    private static int LineOf(XElement element) => element is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 1;

    private static string StripPosition(string message) => PositionSuffix().Replace(message, "");

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*Line \d+, position \d+\.$")]
    private static partial System.Text.RegularExpressions.Regex PositionSuffix();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card data model refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string error);

    private sealed class ModelException(int line, string message) : Exception(message)
    {
        public int Line { get; } = line;
    }
}
