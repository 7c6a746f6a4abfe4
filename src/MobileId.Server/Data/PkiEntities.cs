using MobileId.Pki.Keys;

namespace MobileId.Server.Data;

public enum CaKind
{
    Root,
    Issuing,
}

public enum CaStatus
{
    Active,
    Retired,
}

/// <summary>A certificate authority of this server: its certificate and where its key is (PRODUCT.md §4).</summary>
public sealed class CertificateAuthorityRecord
{
    public Guid Id { get; set; }

    /// <summary>The URL name: <c>/pki/ca/{Name}.crt</c>, <c>/pki/crl/{Name}.crl</c>.</summary>
    public required string Name { get; set; }
    public CaKind Kind { get; set; }
    public Guid? ParentId { get; set; }
    public required string Subject { get; set; }
    public KeyAlgorithm KeyAlgorithm { get; set; }

    /// <summary><c>software</c> or <c>pkcs11</c>; <see cref="NoKeyStore"/> for a parent whose key is not on this server.</summary>
    public required string KeyStore { get; set; }

    /// <summary>The key in the key store; empty for a parent whose key is not on this server.</summary>
    public required string KeyId { get; set; }
    public required byte[] CertificateDer { get; set; }
    public required string SerialHex { get; set; }
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    public CaStatus Status { get; set; }

    /// <summary>Brought in from elsewhere (with its key, or as a parent of such a CA without one) rather than made here.</summary>
    public bool Imported { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// Whether this server holds the CA's key: only then does it issue, publish CRLs and answer OCSP
    /// for it. A parent of an imported CA is kept without its key, for the chain.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public bool HasKey => KeyId.Length > 0;

    /// <summary>The <see cref="KeyStore"/> of a CA whose key is not on this server.</summary>
    public const string NoKeyStore = "none";
}

public enum CertificateStatus
{
    Valid,
    Revoked,

    /// <summary>Suspended (<c>certificateHold</c>): Disable ID; Enable ID releases it.</summary>
    OnHold,
}

/// <summary>What an issued certificate is for: a holder's certificate, or one of the CA's own service certificates.</summary>
public enum CertificatePurpose
{
    /// <summary>A certificate of a person or device.</summary>
    EndEntity,

    /// <summary>Signs the packages devices collect (PRODUCT.md §5.4; id-kp-documentSigning, RFC 9336); key in the key store.</summary>
    ContentSigner,

    /// <summary>The CA's delegated OCSP responder (RFC 6960 §4.2.2.2); key in the key store.</summary>
    OcspResponder,

    /// <summary>
    /// The SCEP/EST registration authority (RFC 8894 §2.1): an RSA key (digitalSignature,
    /// keyEncipherment) kept as PKCS#8 wrapped under the KEK (context <c>ra:{id}</c>), because CMS decryption runs in process.
    /// </summary>
    RegistrationAuthority,
}

/// <summary>A certificate this server issued (or imported as Unmanaged): end-entity and service certificates alike.</summary>
public sealed class IssuedCertificate
{
    public Guid Id { get; set; }
    public Guid IssuerId { get; set; }

    /// <summary>A holder's certificate, or a service certificate of the issuing CA.</summary>
    public CertificatePurpose Purpose { get; set; }

    /// <summary>The private key of a service certificate in the key store (content signer, OCSP responder).</summary>
    public string? KeyId { get; set; }

    /// <summary>The private key of a registration authority: PKCS#8 wrapped under the KEK (context <c>ra:{id}</c>).</summary>
    public byte[]? WrappedKey { get; set; }

    /// <summary>Upper-case hex of the serial: unique per issuer, the OCSP and CRL key.</summary>
    public required string SerialHex { get; set; }
    public required string Subject { get; set; }
    public Guid? PersonId { get; set; }

    /// <summary>The certificate policy it was issued under (null for CA-internal certificates).</summary>
    public Guid? PolicyId { get; set; }

    /// <summary>The mobile ID it was collected for, and its slot there: a retried collection gets the same certificate.</summary>
    public Guid? MobileIdentityId { get; set; }
    public int? Slot { get; set; }

    /// <summary>
    /// A server-made key waiting to reach its device: PKCS#8 wrapped under the KEK, so a retried
    /// collection can send it again; erased when the device confirms the mobile ID.
    /// </summary>
    public byte[]? PendingKey { get; set; }
    public required byte[] Der { get; set; }
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    public CertificateStatus Status { get; set; }
    public DateTime? RevokedAt { get; set; }

    /// <summary>RFC 5280 CRLReason code; null for unspecified.</summary>
    public int? RevocationReason { get; set; }

    /// <summary>When a hold was last released: the next delta CRLs list the serial as removeFromCRL.</summary>
    public DateTime? HoldReleasedAt { get; set; }

    /// <summary>
    /// The certificate this one renews (PRODUCT.md §4 Automatic Renewal). Unique: a certificate has at
    /// most one successor, however many nodes try. The successor takes its predecessor's slot when
    /// the device confirms it installed it, and the predecessor is then revoked as superseded.
    /// </summary>
    public Guid? RenewsId { get; set; }

    /// <summary>When the renewal job found this device-key certificate due and told its holder: the device brings a CSR with <c>update</c>.</summary>
    public DateTime? RenewalDueAt { get; set; }

    /// <summary>When its holder was told that it expired without a renewal being installed (sent once).</summary>
    public DateTime? ExpiredNoticeAt { get; set; }

    /// <summary>SHA-256 of the certificate's SubjectPublicKeyInfo: finds the certificate of a key (a retried or polled SCEP/EST enrolment).</summary>
    public byte[]? KeyHash { get; set; }

    /// <summary>The device it was enrolled for through SCEP, EST or iOS OTA, when known.</summary>
    public Guid? DeviceId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// The private key of a certificate whose key the server made under a policy that archives
/// (PRODUCT.md §4): PKCS#8, encrypted under the key store's key-encryption key and bound to the
/// certificate's id, so a blob copied onto another certificate does not decrypt.
/// </summary>
public sealed class ArchivedKey
{
    public Guid CertificateId { get; set; }
    public required byte[] WrappedKey { get; set; }

    /// <summary>The key store whose KEK wraps it: <c>software</c> or <c>pkcs11</c>.</summary>
    public required string KeyStore { get; set; }
    public DateTime ArchivedAt { get; set; }

    /// <summary>How often the key was recovered (each recovery is also audited).</summary>
    public int Recoveries { get; set; }
}

/// <summary>
/// A counter raised by every revocation, hold and release. Each node polls it to drop cached
/// OCSP answers, so a change is visible through OCSP on every node within a second.
/// </summary>
public sealed class RevocationEpoch
{
    public int Id { get; set; }
    public long Value { get; set; }
}

/// <summary>A CRL this server published (RFC 5280 §5): the newest full and delta CRL of each CA are served.</summary>
public sealed class CrlRecord
{
    public Guid Id { get; set; }
    public Guid IssuerId { get; set; }

    /// <summary>cRLNumber: one increasing sequence per CA shared by full and delta CRLs.</summary>
    public long Number { get; set; }
    public bool IsDelta { get; set; }
    public long? BaseNumber { get; set; }
    public DateTime ThisUpdate { get; set; }
    public DateTime NextUpdate { get; set; }
    public int Entries { get; set; }
    public required byte[] Der { get; set; }
}

/// <summary>A certificate policy as stored (PRODUCT.md §4); its rules are <c>CertificatePolicyRules</c>.</summary>
public sealed class CertificatePolicyRecord
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public Guid IssuerId { get; set; }
    public KeyAlgorithm KeyAlgorithm { get; set; }
    public int KeyUsage { get; set; }
    public string ExtendedKeyUsages { get; set; } = "";
    public required string SubjectTemplate { get; set; }
    public bool SanEmail { get; set; }
    public string? UpnSuffix { get; set; }
    public string PolicyOids { get; set; } = "";
    public int ValidityDays { get; set; }
    public MobileId.Pki.Policies.KeyGeneration KeyGeneration { get; set; }
    public bool Archive { get; set; }
    public bool AutomaticRenewal { get; set; }
    public int RenewalDaysBeforeExpiry { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// A certificate issued elsewhere and imported from a PFX file as <i>Unmanaged</i> (PRODUCT.md §4,
/// Upload PFX Certificates), for distribution to the person's devices. Its private key is kept
/// only encrypted under the key store's KEK.
/// </summary>
public sealed class UnmanagedCertificate
{
    public Guid Id { get; set; }
    public Guid PersonId { get; set; }
    public required string Subject { get; set; }
    public required string Issuer { get; set; }
    public required string SerialHex { get; set; }
    public required string Sha256Thumbprint { get; set; }
    public required byte[] Der { get; set; }
    public byte[]? WrappedKey { get; set; }
    public required string KeyStore { get; set; }
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A random server secret by name, wrapped under the key store's KEK (context <c>secret:{name}</c>), made on first use.</summary>
public sealed class ServerSecret
{
    public required string Name { get; set; }
    public required byte[] Wrapped { get; set; }
    public DateTime CreatedAt { get; set; }
}
