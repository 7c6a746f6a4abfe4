namespace MobileId.Protocol.Device;

/// <summary>The device that enrols (docs/protocol.md, Enrol).</summary>
/// <param name="SerialNumber">The device's serial number: the server knows the device by it.</param>
/// <param name="Platform"><c>ios</c>, <c>android</c>, <c>windows</c> or <c>cli</c>; the server checks it, so it stays a string.</param>
/// <param name="Model">The device model.</param>
/// <param name="OsVersion">The operating system's version.</param>
/// <param name="KeyStores">The key stores the device has (<c>System Store</c>, <c>Citrix SecureVault</c>, <c>MobileIron AppConnect</c>).</param>
public sealed record DeviceInfo(string? SerialNumber, string? Platform, string? Model, string? OsVersion, List<string>? KeyStores);

/// <summary><c>POST /device/v1/enrol/{token}</c>: the one-time code, the device, and the session key (EC P-256 SubjectPublicKeyInfo, base64).</summary>
public sealed record EnrolRequest(string? Code, DeviceInfo? Device, string? SessionKey);

/// <summary>One certificate the device will receive: made from its CSR, made on the server, or recovered; or skipped and why.</summary>
/// <param name="Slot">The profile slot (0-based).</param>
/// <param name="Policy">The certificate policy's name.</param>
/// <param name="Container">The key store it goes into.</param>
/// <param name="Mode">How the certificate is obtained.</param>
/// <param name="KeyAlgorithm">The name of the slot's key algorithm (<c>Rsa2048</c> … <c>EcdsaP384</c>, MobileId.Pki's <c>KeyAlgorithm</c>).</param>
/// <param name="KeyGeneration">Where the key comes from.</param>
/// <param name="Skipped">Why the slot is skipped (the device lacks its container), or null.</param>
public sealed record CertificateSlot(int Slot, string? Policy, string Container, CertificateMode Mode, string? KeyAlgorithm, SlotKeySource KeyGeneration, string? Skipped);

/// <summary>The answer to an enrol: the session token for the rest of the collection, the slots, and the policy.</summary>
public sealed record EnrolResponse(Guid MobileId, string SessionToken, string Profile, string Holder, CardFormat CardFormat,
    IReadOnlyList<CertificateSlot> Certificates, AgentPolicy Policy);
