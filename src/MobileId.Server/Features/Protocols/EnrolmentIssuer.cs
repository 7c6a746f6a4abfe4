using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Features.Protocols;

/// <summary>
/// What the enrolment authenticators share once the enrolling party is known: the profile's slot
/// for a key, a retried enrolment's certificate, issuing (for a person, or named by a CSR or the
/// certificate being renewed) and audited refusals.
/// </summary>
public sealed class EnrolmentIssuer(MobileIdDbContext db, CertificateIssuance issuance, CertificateService certificates, AuditTrail audit)
{
    /// <summary>The newest certificate of ours for this public key (SCEP CertPoll), with its chain; null when there is none.</summary>
    public async Task<Enrolled?> FindByKeyAsync(PublicKey key, CancellationToken cancellationToken)
    {
        var hash = CertificateService.KeyHashOf(key);
        var found = await db.IssuedCertificates.AsNoTracking().Where(c => c.KeyHash == hash).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new Enrolled(found, await issuance.ChainAsync(found.IssuerId, cancellationToken));
    }

    /// <summary>The certificate already issued for this key on this mobile ID (or, for null, without a person): a retried enrolment.</summary>
    public async Task<EnrolmentResult?> RetriedAsync(Guid? mobileIdId, PublicKey key, CancellationToken cancellationToken)
    {
        var hash = CertificateService.KeyHashOf(key);
        var found = await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.KeyHash == hash && c.MobileIdentityId == mobileIdId && c.Status != CertificateStatus.Revoked)
            .OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new EnrolmentResult(new Enrolled(found, await issuance.ChainAsync(found.IssuerId, cancellationToken)));
    }

    /// <summary>The policy and slot a profile issues a key under, or why none takes it.</summary>
    public sealed record SlotChoice(CertificatePolicyRecord? Policy, int Slot, string? Problem);

    /// <summary>The profile's first certificate whose policy takes this key (or, for a server-made key, the first), and its slot.</summary>
    public async Task<SlotChoice> SlotAsync(CredentialProfile profile, PublicKey key, bool serverKey, CancellationToken cancellationToken)
    {
        var ids = profile.Certificates.Where(c => c.PolicyId is not null).Select(c => c.PolicyId!.Value).ToList();
        var policies = await db.CertificatePolicies.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
        var entries = profile.Certificates.OrderBy(c => c.Order).Select((c, i) => (Entry: c, Slot: i))
            .Where(e => e.Entry.PolicyId is { } id && policies.ContainsKey(id)).ToList();
        foreach (var (entry, slot) in entries)
        {
            var policy = policies[entry.PolicyId!.Value];
            if (serverKey || KeyProblem(key, policy.KeyAlgorithm) is null)
            {
                return new SlotChoice(policy, slot, null);
            }
        }

        return new SlotChoice(null, 0, entries.Count == 0
            ? $"The credential profile '{profile.Name}' has no certificate policy to issue under."
            : $"The request's key is {Describe(key)}; the credential profile '{profile.Name}' issues for {string.Join(" or ", entries.Select(e => policies[e.Entry.PolicyId!.Value].KeyAlgorithm).Distinct())}.");
    }

    /// <summary>Issues for a person; for a server-made key, the PKCS#8 key comes back too (and is archived when the policy says so).</summary>
    public async Task<EnrolmentResult> IssueAsync(Caller caller, Person person, CertificatePolicyRecord policy, PublicKey requested, bool serverKey,
        IssueFor target, CancellationToken cancellationToken)
    {
        using var made = serverKey ? KeyPackages.Generate(policy.KeyAlgorithm) : null;
        var pkcs8 = made?.ExportPkcs8PrivateKey();
        try
        {
            var key = made is null ? requested : new PublicKey(made);
            var issued = await issuance.IssueForAsync(caller, person, policy, key, target with { ArchivePkcs8 = policy.Archive ? pkcs8 : null }, cancellationToken);
            return issued.IsSuccess
                ? new EnrolmentResult(new Enrolled(issued.Value.Certificate, await issuance.ChainAsync(issued.Value.Certificate.IssuerId, cancellationToken),
                    pkcs8 is null ? null : (byte[])pkcs8.Clone()))
                : Undo(issued.Error!.Detail);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, "The request changed while this enrolment ran (the code was used at the same time); try again.");
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>Issues for no person: the subject and SAN come from <paramref name="named"/> (a CSR, or the certificate being renewed).</summary>
    public async Task<EnrolmentResult> IssueFromCsrAsync(Caller caller, CertificatePolicyRecord policy, object named, PublicKey requested, bool serverKey,
        IssueFor target, CancellationToken cancellationToken)
    {
        var (subject, extensions) = named switch
        {
            CertificateRequest csr => (csr.SubjectName, (IEnumerable<X509Extension>)csr.CertificateExtensions),
            X509Certificate2 certificate => (certificate.SubjectName, certificate.Extensions.Cast<X509Extension>()),
            _ => throw new ArgumentException("A CSR or a certificate names the subject.", nameof(named)),
        };
        var san = extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        var definition = PoliciesService.Definition(policy);
        var profile = new LeafProfile(subject, definition.KeyUsage, definition.ExtendedKeyUsages, san is null ? null : new X509Extension(san, critical: false),
            definition.PolicyOids, TimeSpan.FromDays(definition.ValidityDays));
        var ca = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == policy.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        using var made = serverKey ? KeyPackages.Generate(policy.KeyAlgorithm) : null;
        var pkcs8 = made?.ExportPkcs8PrivateKey();
        try
        {
            var issued = await certificates.IssueAsync(caller, ca, made is null ? requested : new PublicKey(made),
                profile, target with { ArchivePkcs8 = policy.Archive ? pkcs8 : null }, cancellationToken);
            return issued.IsSuccess
                ? new EnrolmentResult(new Enrolled(issued.Value, await issuance.ChainAsync(issued.Value!.IssuerId, cancellationToken),
                    pkcs8 is null ? null : (byte[])pkcs8.Clone()))
                : Undo(issued.Error!.Detail);
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>Nothing was issued: the request and device changes made for it are dropped, not saved with a later audit record.</summary>
    private EnrolmentResult Undo(string message)
    {
        db.ChangeTracker.Clear();
        return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, message);
    }

    /// <summary>The issued record of a certificate presented to us: same issuer and serial, byte for byte the same; else null.</summary>
    public async Task<IssuedCertificate?> OursAsync(X509Certificate2 presented, CancellationToken cancellationToken)
    {
        var serial = presented.SerialNumber.TrimStart('0');
        var found = await db.IssuedCertificates.AsNoTracking().Where(c => c.SerialHex == presented.SerialNumber || c.SerialHex == serial).ToListAsync(cancellationToken);
        return found.FirstOrDefault(c => c.Der.AsSpan().SequenceEqual(presented.RawData));
    }

    /// <summary>Refuses the enrolment, with an audit record saved now.</summary>
    public async Task<EnrolmentResult> RefuseAsync(Caller caller, Person? person, EnrolmentProtocol protocol, EnrolmentFailure failure, string message,
        CancellationToken cancellationToken)
    {
        await audit.RecordNowAsync(caller, "enrolment.refused", null, person is null ? null : AuditTarget.For(person), AuditOutcome.Denied,
            new { protocol, failure, reason = message }, cancellationToken);
        return EnrolmentResult.Refused(failure, message);
    }

    /// <summary>Why a key does not suit a policy's algorithm, or null.</summary>
    internal static string? KeyProblem(PublicKey key, KeyAlgorithm expected)
    {
        var actual = KeyAlgorithms.Of(key);
        return actual == expected ? null : $"The request's key is {Describe(key)}, but the policy asks for {expected}.";
    }

    private static string Describe(PublicKey key) => KeyAlgorithms.Of(key)?.ToString() ?? "of an unsupported type";
}
