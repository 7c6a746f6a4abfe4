namespace MobileId.Server.Console.Pages.Admin;

/// <summary>
/// An administration page: the base of every console page plus the outcome of its last form post
/// (a message, and the field errors of a refusal) and the posted fields.
/// </summary>
public abstract class AdminPage : ConsolePage
{
    /// <summary>What the last form post did, or why it was refused; null before any post.</summary>
    protected string? Message { get; private set; }

    /// <summary>Whether <see cref="Message"/> is a refusal.</summary>
    protected bool Failed { get; private set; }

    /// <summary>The refusal's messages by field, shown next to each field.</summary>
    protected IReadOnlyDictionary<string, string[]>? Errors { get; private set; }

    /// <summary>Shows the outcome; a refusal sets the answer's status and the field errors. True on success.</summary>
    protected bool Show(AppError? error, string success)
    {
        Failed = error is not null;
        Message = error?.Detail ?? success;
        Errors = error?.Errors;
        if (error is not null)
        {
            Refuse(error);
        }

        return error is null;
    }

    /// <summary>The posted form (checkbox lists and the small forms of a list's rows are read from it).</summary>
    protected Task<IFormCollection> FormAsync() => HttpContext.Request.ReadFormAsync(Aborted);

    /// <summary>A posted field, null when it is missing or blank.</summary>
    protected static string? Text(IFormCollection form, string name) => string.IsNullOrWhiteSpace(form[name]) ? null : form[name].ToString();

    /// <summary>The 1-based page number of a list from the query string.</summary>
    protected static int PageOf(int? page) => Math.Max(1, page ?? 1);

    /// <summary>A query string value for a list's links.</summary>
    protected static string Query(string? value) => Uri.EscapeDataString(value ?? "");
}
