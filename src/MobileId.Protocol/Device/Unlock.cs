namespace MobileId.Protocol.Device;

/// <summary>The device starts an unlock: its ephemeral EC P-256 public key (SubjectPublicKeyInfo, base64).</summary>
public sealed record UnlockStartRequest(string? Key);

/// <summary>The open unlock request: the challenge (grouped <c>1234 5678</c>) the person reads to the helpdesk.</summary>
public sealed record UnlockStartResponse(Guid RequestId, string Challenge, DateTime ExpiresAt);

/// <summary>The device redeems the unlock code the operator read back.</summary>
public sealed record UnlockCompleteRequest(Guid? RequestId, string? Code);

/// <summary>The store's unlock key, encrypted to the device's key of the request (context <c>unlock|{requestId}|{mobileId}</c>).</summary>
public sealed record UnlockCompleteResponse(Guid MobileId, Guid RequestId, EncryptedKey UnlockKey);
