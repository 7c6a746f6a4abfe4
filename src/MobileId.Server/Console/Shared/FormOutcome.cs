namespace MobileId.Server.Console.Shared;

/// <summary>
/// What a form post of an administration page answered: a success message, or the service's refusal
/// with its field errors (shown next to the fields by <see cref="FieldError"/>).
/// </summary>
public sealed class FormOutcome
{
    public string? Message { get; private set; }

    public bool Failed { get; private set; }

    /// <summary>The refusal's field errors, by the API's field names.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; private set; }

    public void Succeed(string message) => (Message, Failed, Errors) = (message, false, null);

    /// <summary>
    /// Records a refusal. A conflict names no field; <paramref name="conflictField"/> says where it shows
    /// (a name already taken shows next to the name). Returns the error for <c>ConsolePage.Refuse</c>.
    /// </summary>
    public AppError Fail(AppError error, string? conflictField = null)
    {
        (Message, Failed) = (error.Detail, true);
        Errors = error.Errors ?? (conflictField is not null && error.Status == StatusCodes.Status409Conflict
            ? new Dictionary<string, string[]> { [conflictField] = [error.Detail] }
            : null);
        return error;
    }
}
