namespace MobileId.Protocol.Device;

/// <summary>A PKCS#10 request (PEM or base64 DER) for one slot; its signature is the proof of possession.</summary>
public sealed record SlotRequest(int Slot, string? Csr);

/// <summary><c>POST /device/v1/collect/{mobileId}</c>: one CSR for each slot whose key the device makes.</summary>
public sealed record CollectRequest(List<SlotRequest>? CertificateRequests);

/// <summary>A certificate in a package: DER, base64.</summary>
/// <param name="Slot">The profile slot (0-based).</param>
/// <param name="Container">The key store it goes into.</param>
/// <param name="Mode">How the certificate was obtained.</param>
/// <param name="SerialNumber">The certificate's serial number, hex.</param>
/// <param name="Certificate">The certificate, DER, base64.</param>
/// <param name="Key">The private key for server-made and recovered keys, encrypted to the session key (context <c>{mobileId}|{slot}|{serialNumber}</c>).</param>
public sealed record PackageCertificate(int Slot, string Container, CertificateMode Mode, string SerialNumber, string Certificate, EncryptedKey? Key);

/// <summary>A slot with nothing in the package, and why.</summary>
public sealed record PackageSlotNote(int Slot, string Reason);

/// <summary>What a device collects (PRODUCT.md §5.4); its JSON bytes are what the content signing key signs.</summary>
/// <param name="MobileId">The mobile ID collected.</param>
/// <param name="Holder">The person's logon name.</param>
/// <param name="Profile">The credential profile's name.</param>
/// <param name="CreatedAt">When the package was made (UTC).</param>
/// <param name="Certificates">What the device installs, per slot.</param>
/// <param name="Skipped">Slots whose container the device lacks.</param>
/// <param name="Pending">Slots with nothing to deliver yet.</param>
/// <param name="Chain">The issuing CAs and their parents, DER, base64, each once.</param>
/// <param name="Policy">The Identity Agent Policy.</param>
/// <param name="Badge">The badge (PRODUCT.md §11) when the profile has a card layout.</param>
public sealed record PackageContent(Guid MobileId, string Holder, string Profile, DateTime CreatedAt, IReadOnlyList<PackageCertificate> Certificates,
    IReadOnlyList<PackageSlotNote> Skipped, IReadOnlyList<PackageSlotNote> Pending, IReadOnlyList<string> Chain, AgentPolicy Policy, Badge? Badge);

/// <summary>The signed package: <see cref="Package"/> is the base64 of the JSON bytes, signed with ECDSA-SHA256 by the first certificate of <see cref="Signer"/>.</summary>
public sealed record SignedPackage(string Package, string Signature, string SignatureAlgorithm, IReadOnlyList<string> Signer);

/// <summary>
/// The device installed the package. A device that supports Unlock Credential escrows an unlock
/// token (base64url, 32 random bytes recommended) and its store's unlock key (32 bytes, base64);
/// both or neither, and the same on a retry.
/// </summary>
public sealed record ConfirmRequest(string? UnlockToken, string? UnlockKey);

/// <summary>The collection is confirmed: the mobile ID is <i>Issued</i>.</summary>
/// <param name="MobileId">The mobile ID.</param>
/// <param name="Status">Its status (Issued).</param>
/// <param name="IssuedAt">When it was issued (UTC).</param>
/// <param name="Unlockable">The server keeps an unlock key for this mobile ID, so it can be unlocked (docs/protocol.md).</param>
public sealed record ConfirmResponse(Guid MobileId, MobileIdStatus Status, DateTime? IssuedAt, bool Unlockable);

/// <summary>A cancelled collection: the request can be collected again with its code; these certificates were revoked.</summary>
public sealed record CancelCollectionResponse(Guid MobileId, MobileIdStatus Status, IReadOnlyList<string> RevokedSerialNumbers);
