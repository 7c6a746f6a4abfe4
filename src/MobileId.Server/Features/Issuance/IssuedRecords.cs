using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Issuance;

/// <summary>How an issued certificate is recorded and audited, the same for end-entity and service certificates.</summary>
public static class IssuedRecords
{
    /// <summary>A valid certificate's record of what was signed; the caller adds who it is for.</summary>
    public static IssuedCertificate Create(SignedCertificate signed, CertificatePurpose purpose, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(), IssuerId = signed.IssuerId, Purpose = purpose, SerialHex = signed.SerialHex, Subject = signed.Subject,
        Der = signed.Der, NotBefore = signed.NotBefore, NotAfter = signed.NotAfter, Status = CertificateStatus.Valid, CreatedAt = now, UpdatedAt = now,
    };

    /// <summary>Records <c>certificate.issued</c> with <paramref name="details"/> (saved with the certificate).</summary>
    public static void AuditIssued(AuditTrail audit, Caller caller, IssuedCertificate record, object details) =>
        audit.Record(caller, "certificate.issued", null, Target(record), AuditOutcome.Success, details);

    /// <summary>The audit target of a certificate.</summary>
    public static AuditTarget Target(IssuedCertificate certificate) => new("certificate", certificate.SerialHex, certificate.Subject, certificate.PersonId);

    /// <summary>SHA-256 of a public key's SubjectPublicKeyInfo (<see cref="IssuedCertificate.KeyHash"/>).</summary>
    public static byte[] KeyHashOf(PublicKey key) => System.Security.Cryptography.SHA256.HashData(key.ExportSubjectPublicKeyInfo());

    /// <summary>A time cut to whole seconds, as certificates carry it.</summary>
    public static DateTime Seconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
