using Microsoft.Extensions.Options;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.MobileIds;

/// <summary>
/// The one-time code of a request and the message that carries it (PRODUCT.md §5.2–§5.3), shared by
/// Request ID, Request My ID, Request Replacement ID and Validate Request. Nothing here saves: the
/// code and its messages commit with the workflow that released them.
/// </summary>
public sealed class ProvisioningCodes(MobileIdDbContext db, NotificationOutbox outbox, IOptions<OneTimeCodeOptions> codeOptions, ChallengeCodes challenges)
{
    /// <summary>A new code for the request; for a profile with Require Challenge it can be found by SCEP/EST (<see cref="ChallengeCodes"/>).</summary>
    public Task<string> ReleaseAsync(MobileIdentity mobileId, CredentialProfile profile, OperationSettings operation, DateTime now,
        CancellationToken cancellationToken) =>
        challenges.ReleaseAsync(db, mobileId, operation.OneTimeCodeLength.Max, profile.RequireChallenge, now.AddHours(codeOptions.Value.LifetimeHours), cancellationToken);

    /// <summary>
    /// Queues the link and code on the request's channel, in the same transaction as the request
    /// (PRODUCT.md §5.3): email; SMS; or, with Send Mobile OTP via SMS, the link by email and the code
    /// by SMS. The QR code channel sends nothing. A message that cannot be queued refuses the request.
    /// </summary>
    public async Task<AppError?> NotifyAsync(Person person, string profile, MobileIdentity mobileId, string code, OperationSettings operation,
        CancellationToken cancellationToken)
    {
        var view = MobileIdRequests.View(mobileId, profile, operation, code);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["link"] = view.Link, ["code"] = code, ["qrUrl"] = view.QrCodeUrl, ["profile"] = profile,
            ["expiresAt"] = mobileId.CodeExpiresAt!.Value.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
        };
        var about = new NotificationSubject(person.Id, mobileId.Id);
        var queued = mobileId.Channel switch
        {
            DeliveryChannel.Email => [await outbox.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvision, values, about, cancellationToken)],
            DeliveryChannel.Sms => [await outbox.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileProvisionSms, values, about, cancellationToken)],
            DeliveryChannel.EmailAndSms =>
            [
                await outbox.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvisionLinkOnly, values, about, cancellationToken),
                await outbox.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileOtpSms, values, about, cancellationToken),
            ],
            _ => new List<Result<Notification>>(),
        };
        return queued.Where(r => !r.IsSuccess).Select(r => r.Error).FirstOrDefault();
    }
}
