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

    /// <summary><c>software</c> or <c>pkcs11</c>.</summary>
    public required string KeyStore { get; set; }
    public required string KeyId { get; set; }
    public required byte[] CertificateDer { get; set; }
    public required string SerialHex { get; set; }
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    public CaStatus Status { get; set; }
    public bool Imported { get; set; }
    public DateTime CreatedAt { get; set; }
}
