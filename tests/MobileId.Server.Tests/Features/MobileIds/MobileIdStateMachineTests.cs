using MobileId.Server.Features.MobileIds;

namespace MobileId.Server.Tests.Features.MobileIds;

/// <summary>
/// The mobile ID's state machine, over every (status, event) pair: what each workflow allowed
/// before the table existed, and the errors it gave for the rest.
/// </summary>
public sealed class MobileIdStateMachineTests
{
    private const MobileIdStatus Awaiting = MobileIdStatus.AwaitingValidation;
    private const MobileIdStatus Ready = MobileIdStatus.ReadyToCollect;
    private const MobileIdStatus Collecting = MobileIdStatus.Collecting;
    private const MobileIdStatus Issued = MobileIdStatus.Issued;
    private const MobileIdStatus Disabled = MobileIdStatus.Disabled;

    /// <summary>The allowed transitions, written out from the workflows' own checks.</summary>
    private static readonly Dictionary<(MobileIdStatus, MobileIdEvent), MobileIdStatus> Allowed = new()
    {
        [(Awaiting, MobileIdEvent.Validate)] = Ready,
        [(Ready, MobileIdEvent.RedeemCode)] = Collecting,
        [(Collecting, MobileIdEvent.RedeemCode)] = Collecting,
        [(Ready, MobileIdEvent.LockOut)] = MobileIdStatus.Locked,
        [(Collecting, MobileIdEvent.LockOut)] = MobileIdStatus.Locked,
        [(Ready, MobileIdEvent.ExpireCode)] = MobileIdStatus.Expired,
        [(Collecting, MobileIdEvent.ExpireCode)] = MobileIdStatus.Expired,
        [(Collecting, MobileIdEvent.Confirm)] = Issued,
        [(Ready, MobileIdEvent.ProtocolEnrol)] = Issued,
        [(Collecting, MobileIdEvent.ProtocolEnrol)] = Issued,
        [(Collecting, MobileIdEvent.CancelCollection)] = Ready,
        [(Issued, MobileIdEvent.Disable)] = Disabled,
        [(Disabled, MobileIdEvent.Enable)] = Issued,
        [(Awaiting, MobileIdEvent.Cancel)] = MobileIdStatus.Cancelled,
        [(Ready, MobileIdEvent.Cancel)] = MobileIdStatus.Cancelled,
        [(Collecting, MobileIdEvent.Cancel)] = MobileIdStatus.Cancelled,
        [(Issued, MobileIdEvent.Cancel)] = MobileIdStatus.Cancelled,
        [(Disabled, MobileIdEvent.Cancel)] = MobileIdStatus.Cancelled,
        [(Issued, MobileIdEvent.Unlock)] = Issued,
    };

    private static MobileIdentity MobileId(MobileIdStatus status) =>
        new() { Id = Guid.NewGuid(), Status = status, EndReason = "lost", LinkToken = "link", RequestedByName = "test" };

    public static TheoryData<MobileIdStatus, MobileIdEvent> EveryPair()
    {
        var pairs = new TheoryData<MobileIdStatus, MobileIdEvent>();
        foreach (var status in Enum.GetValues<MobileIdStatus>())
        {
            foreach (var @event in Enum.GetValues<MobileIdEvent>())
            {
                pairs.Add(status, @event);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_status_and_event_is_allowed_or_refused_as_the_workflows_decide(MobileIdStatus status, MobileIdEvent @event)
    {
        var mobileId = MobileId(status);
        var refusal = mobileId.TryTransition(@event);
        if (Allowed.TryGetValue((status, @event), out var to))
        {
            Assert.Null(refusal);
            Assert.Equal(to, mobileId.Status);
            Assert.Equal(to, MobileIdStateMachine.Target(status, @event));
            Assert.Contains(status, MobileIdStateMachine.From(@event));
        }
        else
        {
            Assert.NotNull(refusal);
            Assert.Equal(status, mobileId.Status);
            Assert.Null(MobileIdStateMachine.Target(status, @event));
            Assert.Throws<InvalidOperationException>(() => mobileId.Transition(@event));
            Assert.Equal(status, mobileId.Status);
        }
    }

    [Fact]
    public void The_table_lists_each_event_once_and_nothing_else()
    {
        Assert.Equal(Enum.GetValues<MobileIdEvent>().Length, MobileIdStateMachine.Transitions.Select(t => t.Event).Distinct().Count());
        Assert.Equal(Allowed.Count, MobileIdStateMachine.Transitions.Sum(t => t.From.Count));
    }

    [Fact]
    public void A_new_request_awaits_validation_only_when_its_profile_requires_it()
    {
        Assert.Equal(Awaiting, MobileIdStateMachine.Initial(requireValidation: true));
        Assert.Equal(Ready, MobileIdStateMachine.Initial(requireValidation: false));
    }

    [Theory]
    [InlineData(MobileIdStatus.Issued, MobileIdEvent.Validate, 409, ErrorCodes.Conflict, "This request is Issued, not awaiting validation.")]
    [InlineData(MobileIdStatus.AwaitingValidation, MobileIdEvent.RedeemCode, 409, ErrorCodes.CodeRejected,
        "This request is waiting for Validate Request; its one-time code has not been released yet.")]
    [InlineData(MobileIdStatus.Locked, MobileIdEvent.RedeemCode, 403, ErrorCodes.CodeRejected,
        "Too many wrong codes were typed, so this request is locked. Ask for a new mobile ID request.")]
    [InlineData(MobileIdStatus.Expired, MobileIdEvent.RedeemCode, 410, ErrorCodes.CodeRejected, "The one-time code has expired. Ask for a new mobile ID request.")]
    [InlineData(MobileIdStatus.Issued, MobileIdEvent.RedeemCode, 410, ErrorCodes.CodeRejected,
        "This provisioning link can no longer be used: the mobile ID is Issued.")]
    [InlineData(MobileIdStatus.Disabled, MobileIdEvent.Disable, 409, ErrorCodes.Conflict, "Only an Issued mobile ID can be disabled; this one is Disabled.")]
    [InlineData(MobileIdStatus.Issued, MobileIdEvent.Enable, 409, ErrorCodes.Conflict, "Only a Disabled mobile ID can be enabled; this one is Issued.")]
    [InlineData(MobileIdStatus.Cancelled, MobileIdEvent.Cancel, 409, ErrorCodes.Conflict, "This mobile ID is already cancelled (lost).")]
    [InlineData(MobileIdStatus.Expired, MobileIdEvent.Cancel, 409, ErrorCodes.Conflict, "This mobile ID is Expired; it has ended and holds nothing to cancel.")]
    [InlineData(MobileIdStatus.Locked, MobileIdEvent.Cancel, 409, ErrorCodes.Conflict, "This mobile ID is Locked; it has ended and holds nothing to cancel.")]
    [InlineData(MobileIdStatus.Disabled, MobileIdEvent.Unlock, 409, ErrorCodes.Conflict,
        "This mobile ID is disabled; it cannot be unlocked until it is enabled again (Enable ID).")]
    [InlineData(MobileIdStatus.Collecting, MobileIdEvent.Unlock, 409, ErrorCodes.Conflict, "This mobile ID is Collecting; only an Issued mobile ID can be unlocked.")]
    public void A_refused_transition_answers_with_its_workflows_error(MobileIdStatus status, MobileIdEvent @event, int httpStatus, string code, string detail)
    {
        var refusal = MobileIdStateMachine.Refusal(MobileId(status), @event);
        Assert.NotNull(refusal);
        Assert.Equal((httpStatus, code, detail), (refusal.Status, refusal.Code, refusal.Detail));
    }
}
