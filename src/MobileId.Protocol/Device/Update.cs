namespace MobileId.Protocol.Device;

/// <summary>Collect My Updates: the device's key for this update, the serials it holds, and CSRs for the slots the server asked to renew.</summary>
public sealed record UpdateRequest(string? SessionKey, List<string>? Held, List<SlotRequest>? CertificateRequests);

/// <summary>A slot for which the server wants a CSR: a due renewal (<see cref="Renews"/> is the serial it replaces) or a certificate added to the profile.</summary>
/// <param name="Slot">The profile slot (0-based).</param>
/// <param name="KeyAlgorithm">The name of the key algorithm the new key must have.</param>
/// <param name="Renews">The serial number the renewal replaces; null for a certificate added to the profile.</param>
public sealed record RenewSlot(int Slot, string KeyAlgorithm, string? Renews);

/// <summary>
/// What an update brings (docs/protocol.md): the mobile ID's status, its full current certificate set
/// (keys of server-made certificates the device does not hold yet, encrypted to the update's session
/// key), the held serials it no longer has, the slots that need a CSR, and chain, policy and badge.
/// Its JSON bytes are signed like a collection package.
/// </summary>
public sealed record UpdateContent(Guid MobileId, MobileIdStatus Status, string Holder, string Profile, DateTime CreatedAt,
    IReadOnlyList<PackageCertificate> Certificates, IReadOnlyList<string> Removed, IReadOnlyList<RenewSlot> Renew, IReadOnlyList<PackageSlotNote> Skipped,
    IReadOnlyList<string> Chain, AgentPolicy Policy, Badge? Badge);

/// <summary>The serials the device installed from an update package.</summary>
public sealed record UpdateConfirmRequest(List<string>? Installed);

/// <summary>What the confirmation did: the serials of the renewed certificates that it revoked as superseded.</summary>
public sealed record UpdateConfirmResponse(Guid MobileId, MobileIdStatus Status, IReadOnlyList<string> Superseded);
