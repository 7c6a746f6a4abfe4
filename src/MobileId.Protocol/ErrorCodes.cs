namespace MobileId.Protocol;

/// <summary>
/// Stable error codes carried in the <c>code</c> member of every problem-details response
/// (RFC 9457) and in agent messages. Clients and tests match on these, never on the text.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The request body is not well-formed JSON.</summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>The request body names a member the endpoint does not know.</summary>
    public const string UnknownField = "unknown_field";

    /// <summary>The request body exceeds the endpoint's size limit.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The request has a content type the endpoint does not accept.</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>One or more fields failed validation; see the <c>errors</c> member.</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>The request could not be understood (bad query value, missing part).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>No credentials, or credentials that are not valid.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The caller's roles do not grant the workflow the endpoint needs.</summary>
    public const string WorkflowNotGranted = "workflow_not_granted";

    /// <summary>The target person or group lies outside the scope of the caller's roles.</summary>
    public const string OutOfScope = "out_of_scope";

    /// <summary>The action affects everyone, so it needs the workflow with scope All.</summary>
    public const string AllScopeRequired = "all_scope_required";

    /// <summary>The caller must change the password before doing anything else.</summary>
    public const string PasswordChangeRequired = "password_change_required";

    /// <summary>The caller may not grant a role with more rights than the caller has.</summary>
    public const string PrivilegeEscalation = "privilege_escalation";

    /// <summary>The resource does not exist, or lies outside the caller's scope.</summary>
    public const string NotFound = "not_found";

    /// <summary>The change conflicts with the current state (duplicate name, stale version).</summary>
    public const string Conflict = "conflict";

    /// <summary>The person may not receive a mobile ID as asked (PRODUCT.md §5.1 checks); the detail is the product's message.</summary>
    public const string NotEligible = "not_eligible";

    /// <summary>A one-time code was wrong, expired or locked.</summary>
    public const string CodeRejected = "code_rejected";

    /// <summary>The device may not collect under the profile's Mobile Device Restrictions, or it was cancelled.</summary>
    public const string DeviceNotAllowed = "device_not_allowed";

    /// <summary>Maximum session count reached (or 0: no mobile issuance); retry after the Retry-After header.</summary>
    public const string SessionLimit = "session_limit";

    /// <summary>The device's collection session token is missing or wrong.</summary>
    public const string SessionInvalid = "session_invalid";

    /// <summary>The device's unlock token is missing or wrong for the mobile ID.</summary>
    public const string UnlockInvalid = "unlock_invalid";

    /// <summary>The mobile ID cannot be unlocked: its device escrowed no unlock key when it confirmed.</summary>
    public const string NotUnlockable = "not_unlockable";

    /// <summary>The credential profile requires caller verification before an unlock code is issued.</summary>
    public const string VerificationRequired = "verification_required";

    /// <summary>An unexpected server error; details are in the server log, not the response.</summary>
    public const string InternalError = "internal_error";

    /// <summary>Builds the RFC 9457 <c>type</c> URI for a code.</summary>
    /// <param name="code">One of the constants of this class.</param>
    /// <returns>A URN that identifies the problem type.</returns>
    public static string TypeUri(string code) => "urn:mobileid:problem:" + code;
}
