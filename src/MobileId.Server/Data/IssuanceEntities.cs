namespace MobileId.Server.Data;

/// <summary>How the provisioning link and code reach the person.</summary>
public enum DeliveryChannel
{
    Email,
    Sms,

    /// <summary>Send Mobile OTP via SMS: the code by SMS, the link by email.</summary>
    EmailAndSms,

    /// <summary>No email or phone: the QR code is shown instead.</summary>
    QrCode,
}

/// <summary>A mobile ID: a request under a credential profile for a person, and what it became.</summary>
public sealed class MobileIdentity
{
    public Guid Id { get; set; }
    public Guid PersonId { get; set; }
    public Guid ProfileId { get; set; }
    public MobileIdStatus Status { get; set; }
    public DeliveryChannel Channel { get; set; }

    /// <summary>Request My ID (the person for themself) rather than Request ID by an operator.</summary>
    public bool SelfService { get; set; }
    public Guid? RequestedById { get; set; }
    public required string RequestedByName { get; set; }
    public DateTime RequestedAt { get; set; }
    public Guid? ValidatedById { get; set; }
    public string? ValidatedByName { get; set; }
    public DateTime? ValidatedAt { get; set; }

    /// <summary>PBKDF2-HMAC-SHA256 of the one-time code; the code itself is never stored.</summary>
    public byte[]? CodeHash { get; set; }
    public byte[]? CodeSalt { get; set; }
    public DateTime? CodeExpiresAt { get; set; }
    public int CodeFailures { get; set; }
    public DateTime? CodeRedeemedAt { get; set; }

    /// <summary>
    /// HMAC-SHA256 of the code under a server secret, for requests of profiles with Require Challenge:
    /// a SCEP or EST client sends the code alone, so the request is found by this value (unique among open requests).
    /// </summary>
    public byte[]? CodeLookup { get; set; }

    /// <summary>The random part of the provisioning link (<c>…/device/v1/enrol/{token}</c>); a lookup key, not a secret on its own.</summary>
    public required string LinkToken { get; set; }
    public Guid? DeviceId { get; set; }

    /// <summary>SHA-256 of the collection session's bearer token, handed to the device when it redeemed the code.</summary>
    public byte[]? SessionTokenHash { get; set; }

    /// <summary>The device's ephemeral key for this session (SubjectPublicKeyInfo): server-made and recovered keys are encrypted to it.</summary>
    public byte[]? SessionKey { get; set; }
    public DateTime? IssuedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? EndReason { get; set; }

    /// <summary>SHA-256 of the token with which the device starts and completes an unlock; null when the device escrowed nothing (no unlock).</summary>
    public byte[]? UnlockTokenHash { get; set; }

    /// <summary>The device store's unlock key, wrapped under the key store's KEK (context <c>unlock-key:{id}</c>); erased when the mobile ID is cancelled.</summary>
    public byte[]? UnlockKey { get; set; }

    /// <summary>The mobile ID this one replaces (Request Replacement ID).</summary>
    public Guid? ReplacesId { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency: two operators or two devices cannot both move it on.</summary>
    public int Version { get; set; }
}

public enum DeviceStatus
{
    /// <summary>Registered beforehand (AddDevice) and not yet used.</summary>
    Registered,
    Active,
    Cancelled,
}

/// <summary>A phone or other device (PRODUCT.md §6).</summary>
public sealed class Device
{
    public Guid Id { get; set; }
    public required string SerialNumber { get; set; }
    public string? Platform { get; set; }
    public string? OsVersion { get; set; }
    public string? Model { get; set; }

    /// <summary>The key stores the device reported, comma-separated (System Store, Citrix SecureVault …).</summary>
    public string KeyStores { get; set; } = "";
    public Guid? OwnerId { get; set; }
    public DeviceStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? LastSeenAt { get; set; }
}

public enum NotificationChannel
{
    Email,
    Sms,
}

public enum NotificationStatus
{
    Pending,
    Sent,

    /// <summary>Every attempt failed; shown to operators, who may resend.</summary>
    Failed,
}

/// <summary>
/// An email or SMS waiting to be sent or sent (the outbox): written in the same transaction as the
/// change it tells about, so nothing is lost, and sent with retries by the dispatcher. The body may
/// hold a one-time code, so it is kept wrapped under the key store's KEK and erased once sent.
/// </summary>
public sealed class Notification
{
    public Guid Id { get; set; }
    public NotificationChannel Channel { get; set; }
    public required string Recipient { get; set; }
    public required string Subject { get; set; }

    /// <summary>The message (MIME body text or HTML; SMS text), wrapped under the KEK; null once sent.</summary>
    public byte[]? WrappedBody { get; set; }
    public bool IsHtml { get; set; }

    /// <summary>The template it came from (e.g. <c>mobile-provision</c>).</summary>
    public required string Template { get; set; }
    public Guid? PersonId { get; set; }
    public Guid? MobileIdentityId { get; set; }
    public NotificationStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

/// <summary>An editable Email Template (or SMS text) by key; missing keys use the built-in default.</summary>
public sealed class MessageTemplate
{
    public required string Key { get; set; }
    public required string Subject { get; set; }
    public required string Body { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>
/// An unlock under way (PRODUCT.md §5.6 Unlock Credential): the device showed <see cref="Challenge"/>;
/// an operator with Can Unlock reads it to the server and gets an unlock code for this device, which
/// the device then redeems for the unlock key, encrypted to <see cref="DeviceKey"/>.
/// </summary>
public sealed class UnlockRequest
{
    public Guid Id { get; set; }
    public Guid MobileIdentityId { get; set; }
    public Guid DeviceId { get; set; }

    /// <summary>The 8 digits the device shows; not a secret (it only finds this request for the operator).</summary>
    public required string Challenge { get; set; }

    /// <summary>The device's ephemeral EC P-256 key (SubjectPublicKeyInfo): the unlock key is encrypted to it.</summary>
    public required byte[] DeviceKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>Caller verification: the one-time authentication code sent to the person, as a salted hash.</summary>
    public byte[]? VerificationHash { get; set; }
    public byte[]? VerificationSalt { get; set; }
    public DateTime? VerificationExpiresAt { get; set; }
    public int VerificationFailures { get; set; }

    /// <summary>The unlock code the operator read back, as a salted hash; the code itself is never stored.</summary>
    public byte[]? CodeHash { get; set; }
    public byte[]? CodeSalt { get; set; }
    public DateTime? CodeExpiresAt { get; set; }
    public int CodeFailures { get; set; }
    public Guid? IssuedById { get; set; }
    public string? IssuedByName { get; set; }

    /// <summary>When the device redeemed the code; the request is finished.</summary>
    public DateTime? CompletedAt { get; set; }

    /// <summary>The answer the device got (the unlock key encrypted to <see cref="DeviceKey"/>, JSON), for a retried completion.</summary>
    public string? Delivered { get; set; }
    public int Version { get; set; }
}

/// <summary>
/// A single-use iOS OTA enrolment token (Apple profile service Challenge and URL): made when a
/// person enters the one-time code of a request, used once by the device's signed attribute response.
/// Only its SHA-256 is stored.
/// </summary>
public sealed class OtaToken
{
    public Guid Id { get; set; }
    public Guid MobileIdentityId { get; set; }
    public required byte[] TokenHash { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}
