namespace MobileId.Server.Features.MobileIds;

/// <summary>What happens to a mobile ID: each workflow step that may change (or needs) its status.</summary>
public enum MobileIdEvent
{
    /// <summary>Validate Request releases the code of a request that needs validation.</summary>
    Validate,

    /// <summary>A device redeems the one-time code (or an OTA device binds to the request); while collecting, the same code resumes.</summary>
    RedeemCode,

    /// <summary>Too many wrong one-time codes: the request locks.</summary>
    LockOut,

    /// <summary>The one-time code expired before it was used.</summary>
    ExpireCode,

    /// <summary>The device confirms that it installed the package.</summary>
    Confirm,

    /// <summary>SCEP, EST or OTA issues the certificate of a request with a one-time code.</summary>
    ProtocolEnrol,

    /// <summary>The device gives up an interrupted collection; the request can be collected again.</summary>
    CancelCollection,

    /// <summary>Disable ID: the certificates go on hold.</summary>
    Disable,

    /// <summary>Enable ID: the holds are released.</summary>
    Enable,

    /// <summary>Cancel Credential (also the old mobile ID of Request Replacement ID, and a cancelled device's mobile IDs).</summary>
    Cancel,

    /// <summary>Unlock Credential: needs an Issued mobile ID and leaves it Issued.</summary>
    Unlock,
}

/// <summary>One allowed transition: from any of <see cref="From"/>, <see cref="Event"/> leads to <see cref="To"/>.</summary>
public sealed record MobileIdTransition(MobileIdEvent Event, IReadOnlyList<MobileIdStatus> From, MobileIdStatus To);

/// <summary>
/// The mobile ID's state machine (docs/lifecycle.md): the table of allowed transitions, and the one
/// place where a mobile ID's status changes. A refused transition answers with the error its
/// workflow has always given.
/// </summary>
public static class MobileIdStateMachine
{
    /// <summary>Every allowed transition; anything not listed is refused.</summary>
    public static readonly IReadOnlyList<MobileIdTransition> Transitions =
    [
        new(MobileIdEvent.Validate, [MobileIdStatus.AwaitingValidation], MobileIdStatus.ReadyToCollect),
        new(MobileIdEvent.RedeemCode, [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting], MobileIdStatus.Collecting),
        new(MobileIdEvent.LockOut, [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting], MobileIdStatus.Locked),
        new(MobileIdEvent.ExpireCode, [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting], MobileIdStatus.Expired),
        new(MobileIdEvent.Confirm, [MobileIdStatus.Collecting], MobileIdStatus.Issued),
        new(MobileIdEvent.ProtocolEnrol, [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting], MobileIdStatus.Issued),
        new(MobileIdEvent.CancelCollection, [MobileIdStatus.Collecting], MobileIdStatus.ReadyToCollect),
        new(MobileIdEvent.Disable, [MobileIdStatus.Issued], MobileIdStatus.Disabled),
        new(MobileIdEvent.Enable, [MobileIdStatus.Disabled], MobileIdStatus.Issued),
        new(MobileIdEvent.Cancel,
            [MobileIdStatus.AwaitingValidation, MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting, MobileIdStatus.Issued, MobileIdStatus.Disabled],
            MobileIdStatus.Cancelled),
        new(MobileIdEvent.Unlock, [MobileIdStatus.Issued], MobileIdStatus.Issued),
    ];

    private static readonly Dictionary<(MobileIdStatus From, MobileIdEvent Event), MobileIdStatus> Table =
        Transitions.SelectMany(t => t.From.Select(from => (Key: (from, t.Event), t.To))).ToDictionary(x => x.Key, x => x.To);

    /// <summary>The status of a new request: awaiting validation when its profile requires it, otherwise ready to collect (its code is out).</summary>
    public static MobileIdStatus Initial(bool requireValidation) =>
        requireValidation ? MobileIdStatus.AwaitingValidation : MobileIdStatus.ReadyToCollect;

    /// <summary>Where the event leads from this status, or null when it is refused.</summary>
    public static MobileIdStatus? Target(MobileIdStatus from, MobileIdEvent @event) =>
        Table.TryGetValue((from, @event), out var to) ? to : null;

    /// <summary>The statuses from which the event is allowed.</summary>
    public static IReadOnlyList<MobileIdStatus> From(MobileIdEvent @event) =>
        Transitions.Single(t => t.Event == @event).From;

    /// <summary>Why the event is refused for this mobile ID, in its workflow's words; null when it is allowed.</summary>
    public static AppError? Refusal(MobileIdentity mobileId, MobileIdEvent @event) =>
        Target(mobileId.Status, @event) is null ? Refused(mobileId, @event) : null;

    /// <summary>Applies the event: the mobile ID takes its new status, or nothing changes and the refusal is returned.</summary>
    public static AppError? TryTransition(this MobileIdentity mobileId, MobileIdEvent @event)
    {
        if (Target(mobileId.Status, @event) is not { } to)
        {
            return Refused(mobileId, @event);
        }

        mobileId.Status = to;
        return null;
    }

    /// <summary>Applies an event whose state the caller has already checked; a refusal here is a bug, not a caller's mistake.</summary>
    public static void Transition(this MobileIdentity mobileId, MobileIdEvent @event)
    {
        if (mobileId.TryTransition(@event) is { } refused)
        {
            throw new InvalidOperationException($"Mobile ID {mobileId.Id}: {@event} is not allowed: {refused.Detail}");
        }
    }

    private static AppError Refused(MobileIdentity mobileId, MobileIdEvent @event) => @event switch
    {
        MobileIdEvent.Validate => AppError.Conflict($"This request is {mobileId.Status}, not awaiting validation."),
        MobileIdEvent.RedeemCode or MobileIdEvent.LockOut or MobileIdEvent.ExpireCode => CodeRefusal(mobileId.Status),
        MobileIdEvent.Disable => AppError.Conflict($"Only an Issued mobile ID can be disabled; this one is {mobileId.Status}."),
        MobileIdEvent.Enable => AppError.Conflict($"Only a Disabled mobile ID can be enabled; this one is {mobileId.Status}."),
        MobileIdEvent.Cancel when mobileId.Status == MobileIdStatus.Cancelled => AppError.Conflict($"This mobile ID is already cancelled ({mobileId.EndReason})."),
        MobileIdEvent.Cancel => AppError.Conflict($"This mobile ID is {mobileId.Status}; it has ended and holds nothing to cancel."),
        MobileIdEvent.Unlock when mobileId.Status == MobileIdStatus.Disabled =>
            AppError.Conflict("This mobile ID is disabled; it cannot be unlocked until it is enabled again (Enable ID)."),
        MobileIdEvent.Unlock => AppError.Conflict($"This mobile ID is {mobileId.Status}; only an Issued mobile ID can be unlocked."),
        _ => AppError.Conflict($"This mobile ID is {mobileId.Status}; {@event} is not possible."),
    };

    /// <summary>Why a one-time code cannot be used in this status (the device's provisioning link).</summary>
    private static AppError CodeRefusal(MobileIdStatus status) => status switch
    {
        MobileIdStatus.AwaitingValidation => CodeRejected(StatusCodes.Status409Conflict,
            "This request is waiting for Validate Request; its one-time code has not been released yet."),
        MobileIdStatus.Locked => CodeRejected(StatusCodes.Status403Forbidden,
            "Too many wrong codes were typed, so this request is locked. Ask for a new mobile ID request."),
        MobileIdStatus.Expired => CodeRejected(StatusCodes.Status410Gone, "The one-time code has expired. Ask for a new mobile ID request."),
        _ => CodeRejected(StatusCodes.Status410Gone, $"This provisioning link can no longer be used: the mobile ID is {status}."),
    };

    /// <summary>A refused one-time code.</summary>
    internal static AppError CodeRejected(int status, string message) => new(status, ErrorCodes.CodeRejected, "One-time code rejected", message);
}
