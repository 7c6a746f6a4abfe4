using Microsoft.AspNetCore.Components;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Console;

/// <summary>
/// The base of every console page (static server rendering). It reads the caller that
/// <c>AccessMiddleware</c> resolved from the session cookie, sends a visitor who is not signed in
/// to the sign-in page (and back afterwards), sends a person who must change the password to that
/// page, and answers 403 when the caller's roles lack the page's workflow. Pages hold no rules of
/// their own: they call the same feature services as the API, which check scope and input.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    /// <summary>The signed-in person; set once <see cref="Allowed"/> is true.</summary>
    protected Caller Caller { get; private set; } = default!;

    /// <summary>The caller may see this page: signed in, password changed, workflow granted.</summary>
    protected bool Allowed { get; private set; }

    /// <summary>The caller is signed in but no role grants the page's workflow (the page answers 403).</summary>
    protected bool Refused => Refusal is not null;

    /// <summary>Why the page answers 403, in the words of the API's problem details.</summary>
    protected string? Refusal { get; private set; }

    /// <summary>The workflow the page needs; null for any signed-in person.</summary>
    protected virtual Workflow? RequiredWorkflow => null;

    /// <summary>
    /// Whether even viewing the page needs <see cref="RequiredWorkflow"/> with scope All, as the API's
    /// matching read does (settings, webhooks: they apply to everyone).
    /// </summary>
    protected virtual bool RequiresAllScope => false;

    /// <summary>Whether the page is for someone who must still change the password (the change-password page).</summary>
    protected virtual bool DuringPasswordChange => false;

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    protected sealed override async Task OnInitializedAsync()
    {
        if (HttpContext.Items[typeof(Caller)] is not Caller { Kind: CallerKind.Person } caller)
        {
            var here = Navigation.ToBaseRelativePath(Navigation.Uri);
            Navigation.NavigateTo("/console/sign-in?returnUrl=" + Uri.EscapeDataString("/" + here));
            return;
        }

        if (caller.MustChangePassword && !DuringPasswordChange)
        {
            Navigation.NavigateTo("/console/change-password");
            return;
        }

        Caller = caller;
        if (RequiredWorkflow is { } workflow
            && (!caller.Has(workflow) ? AccessPolicy.WorkflowNotGranted(workflow) : RequiresAllScope ? ChangeRefusal(workflow) : null) is { } refusal)
        {
            HttpContext.Response.StatusCode = StatusCodes.Status403Forbidden;
            Refusal = refusal.Detail;
            return;
        }

        Allowed = true;
        await LoadAsync();
    }

    /// <summary>
    /// Sets the answer's status for a refusal shown on the page. A 404 from a service (an unknown
    /// challenge, a person out of scope) becomes 422 here: the page itself exists and shows the message,
    /// while a 404 would make the framework drop the page's body.
    /// </summary>
    protected void Refuse(AppError error) =>
        HttpContext.Response.StatusCode = error.Status == StatusCodes.Status404NotFound ? StatusCodes.Status422UnprocessableEntity : error.Status;

    /// <summary>
    /// The refusal of a change that applies to everyone (profiles, authorities, settings, templates,
    /// layouts, roles, webhooks) when no role grants <paramref name="workflow"/> with scope All;
    /// null when the change may go ahead. The API's endpoints apply the same rule (<c>ScopeRule.AllScope</c>).
    /// </summary>
    protected AppError? ChangeRefusal(Workflow workflow) =>
        Caller.HasWithScope(workflow, Scope.All) ? null : AccessPolicy.AllScopeRequired(workflow);

    /// <summary>What the last form post did, or why it was refused; null before any post.</summary>
    protected string? Message { get; private set; }

    /// <summary>Whether <see cref="Message"/> is a refusal.</summary>
    protected bool Failed { get; private set; }

    /// <summary>The refusal's messages by field, shown next to each field.</summary>
    protected IReadOnlyDictionary<string, string[]>? Errors { get; private set; }

    /// <summary>
    /// Shows the outcome of a form post; a refusal sets the answer's status and the field errors. A
    /// conflict names no field: <paramref name="conflictField"/> says where it shows (a name already
    /// taken shows next to the name). True on success.
    /// </summary>
    protected bool Show(AppError? error, string? success, string? conflictField = null)
    {
        Failed = error is not null;
        Message = error?.Detail ?? success;
        Errors = error?.Errors ?? (conflictField is not null && error?.Status == StatusCodes.Status409Conflict
            ? new Dictionary<string, string[]> { [conflictField] = [error.Detail] }
            : null);
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

    /// <summary>Loads what the page shows (and handles its form post) once the caller is allowed.</summary>
    protected virtual Task LoadAsync() => Task.CompletedTask;
}
