namespace MobileId.Server.Console.Shared;

/// <summary>Reads the text of posted form fields into the types of the services' inputs (no rules: the services check them).</summary>
public static class FormValues
{
    /// <summary>The enum value named <paramref name="value"/>, or null (the service's default) when it names none.</summary>
    public static T? Enum<T>(string? value) where T : struct, System.Enum => System.Enum.TryParse<T>(value, out var parsed) ? parsed : null;

    /// <summary>The text, or null when the field was left empty.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The whole number typed, or null when the field holds none.</summary>
    public static int? Number(string? value) => int.TryParse(value, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>The non-empty lines of a text area, trimmed.</summary>
    public static List<string> Lines(string? text) => (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
