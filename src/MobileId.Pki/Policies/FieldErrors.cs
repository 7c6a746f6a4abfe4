namespace MobileId.Pki.Policies;

/// <summary>
/// Collects "field: message" validation failures so that one answer names every broken rule,
/// not just the first.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>How many fields have at least one failure.</summary>
    public int Count => _errors.Count;

    /// <summary>Adds a failure to a field.</summary>
    /// <param name="field">The field, as the API names it (camelCase, with indexes such as <c>certificates[0].mode</c>).</param>
    /// <param name="message">What is wrong, in words the caller can act on.</param>
    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>The failures by field.</summary>
    /// <returns>A new dictionary; empty when nothing failed.</returns>
    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
