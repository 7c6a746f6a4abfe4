using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Issuance;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Certificates;

public sealed record IssueCertificateRequest(string? Policy, string? Csr, string? Pkcs12Password = null);

public sealed record CertificateView(Guid Id, string Ca, string SerialNumber, string Subject, Guid? PersonId, CertificateStatus Status,
    DateTime NotBefore, DateTime NotAfter, DateTime? RevokedAt, int? RevocationReason, string Pem);

/// <summary>A certificate with its private key as PKCS#12 (base64): a server-made key at issuance, or a recovered one.</summary>
public sealed record CertificateWithKeyView(CertificateView Certificate, string Pkcs12, bool KeyArchived);

public sealed record RevokeRequest(X509RevocationReason? Reason);

public sealed record RecoverKeyRequest(string? Pkcs12Password);

/// <summary>
/// Issues a certificate to a person under a policy. For a device-made key the CSR's signature
/// (proof of possession) is verified and its key must match the policy; for a server-made key the
/// server makes the key pair, archives it when the policy says so, and returns it as PKCS#12.
/// Subject and SAN come from the person record, never from the CSR.
/// </summary>
public sealed class CertificateIssuance(MobileIdDbContext db, AccessPolicy access, CertificateService certificates, ICertificateIssuer issuer)
{
    /// <summary>Issues a certificate; <see cref="CertificateWithKeyView"/> carries the key when the server made it.</summary>
    public async Task<Result<(CertificateView Certificate, CertificateWithKeyView? WithKey)>> IssueAsync(Caller caller, Guid personId,
        IssueCertificateRequest request, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.CertificateAuthorities, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var policy = await db.CertificatePolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == (request.Policy ?? ""), cancellationToken);
        if (policy is null)
        {
            return AppError.Validation("policy", $"'{request.Policy}' is not a certificate policy; see GET /api/v1/policies.");
        }

        if (policy.KeyGeneration == KeyGeneration.Server)
        {
            var made = await IssueServerKeyAsync(caller, person, policy, request, cancellationToken);
            return made.IsSuccess ? (made.Value.Certificate, made.Value) : made.Error;
        }

        if (request.Pkcs12Password is not null)
        {
            return AppError.Validation("pkcs12Password", $"'{policy.Name}' has keys made on the device: send its CSR; the server never holds that key.");
        }

        var key = ReadCsr(request.Csr, policy.KeyAlgorithm, out var error);
        if (key is null)
        {
            return AppError.Validation("csr", error!);
        }

        var issued = await IssueForAsync(caller, person, policy, key, new IssueFor(person.Id, policy.Id), cancellationToken);
        return issued.IsSuccess ? (issued.Value.View, null) : issued.Error;
    }

    /// <summary>The certificates issued to a person in the caller's Find Person scope, newest first, optionally of one status.</summary>
    public async Task<Result<PagedResult<CertificateView>>> ListForPersonAsync(Caller caller, Guid personId, CertificateStatus? status, int page, int pageSize,
        CancellationToken cancellationToken)
    {
        if (await access.CheckPersonAsync(caller, Workflow.FindPerson, personId, cancellationToken) is { } denied)
        {
            return denied;
        }

        var cas = await db.CertificateAuthorities.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var found = db.IssuedCertificates.AsNoTracking().Where(c => c.PersonId == personId && (status == null || c.Status == status));
        var total = await found.CountAsync(cancellationToken);
        var list = await found.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new PagedResult<CertificateView>(list.Select(c => View(c, cas.GetValueOrDefault(c.IssuerId) ?? "")).ToList(), page, pageSize, total);
    }

    private async Task<Result<CertificateWithKeyView>> IssueServerKeyAsync(Caller caller, Person person, CertificatePolicyRecord policy,
        IssueCertificateRequest request, CancellationToken cancellationToken)
    {
        if (request.Csr is not null)
        {
            return AppError.Validation("csr", $"'{policy.Name}' makes keys on the server: send pkcs12Password (the password for the returned PKCS#12 file) instead of a CSR.");
        }

        if (Pkcs12PasswordError(request.Pkcs12Password) is { } passwordError)
        {
            return passwordError;
        }

        using var key = KeyPackages.Generate(policy.KeyAlgorithm);
        var pkcs8 = policy.Archive ? key.ExportPkcs8PrivateKey() : null;
        try
        {
            var issued = await IssueForAsync(caller, person, policy, new PublicKey(key), new IssueFor(person.Id, policy.Id, pkcs8), cancellationToken);
            if (!issued.IsSuccess)
            {
                return issued.Error;
            }

            var chain = await ChainAsync(issued.Value.Certificate.IssuerId, cancellationToken);
            var pkcs12 = KeyPackages.Pkcs12(issued.Value.Certificate.Der, key, chain, request.Pkcs12Password!);
            return new CertificateWithKeyView(issued.Value.View, Convert.ToBase64String(pkcs12), policy.Archive);
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>A problem when a PKCS#12 password is missing or too short to protect a private key.</summary>
    public static AppError? Pkcs12PasswordError(string? password) =>
        KeyPackages.Pkcs12PasswordProblem(password) is { } problem ? AppError.Validation("pkcs12Password", problem) : null;

    /// <summary>The issuing CA's certificate and its parents, nearest first, for PKCS#12 files.</summary>
    public Task<IReadOnlyList<byte[]>> ChainAsync(Guid issuerId, CancellationToken cancellationToken) => issuer.ChainAsync(issuerId, cancellationToken);

    /// <summary>Issues to a person under a policy for a key (subject and SAN from the person record), recorded as <paramref name="target"/> says.</summary>
    public async Task<Result<(IssuedCertificate Certificate, CertificateView View)>> IssueForAsync(Caller caller, Person person,
        CertificatePolicyRecord policy, PublicKey key, IssueFor target, CancellationToken cancellationToken)
    {
        var definition = PoliciesService.Definition(policy);
        var group = person.GroupId is { } g ? await db.Groups.AsNoTracking().Where(x => x.Id == g).Select(x => x.Name).SingleOrDefaultAsync(cancellationToken) : null;
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["firstName"] = person.FirstName, ["lastName"] = person.LastName,
            ["logonName"] = person.LogonName, ["email"] = person.Email, ["employeeId"] = person.EmployeeId,
            ["organization"] = person.Organization, ["group"] = group, ["jobTitle"] = person.JobTitle,
        };
        X509Extension? san = null;
        if ((definition.SanEmail && person.Email is not null) || definition.UpnSuffix is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            if (definition.SanEmail && person.Email is not null)
            {
                builder.AddEmailAddress(person.Email);
            }

            if (definition.UpnSuffix is { } suffix)
            {
                builder.AddUserPrincipalName($"{person.LogonName}@{suffix}");
            }

            san = builder.Build();
        }

        var ca = await db.CertificateAuthorities.AsNoTracking().SingleAsync(c => c.Id == policy.IssuerId, cancellationToken);
        var profile = new LeafProfile(SubjectTemplate.Render(definition.SubjectTemplate!, fields), definition.KeyUsage, definition.ExtendedKeyUsages,
            san, definition.PolicyOids, TimeSpan.FromDays(definition.ValidityDays));
        var issued = await certificates.IssueAsync(caller, ca.Name, key, profile, target, cancellationToken);
        return issued.IsSuccess ? (issued.Value, View(issued.Value, ca.Name)) : issued.Error;
    }

    public static CertificateView View(IssuedCertificate c, string ca) => new(c.Id, ca, c.SerialHex, c.Subject, c.PersonId, c.Status,
        c.NotBefore, c.NotAfter, c.RevokedAt, c.RevocationReason, PemEncoding.WriteString("CERTIFICATE", c.Der));

    /// <summary>Reads a PKCS#10 request (PEM or base64 DER), verifies its signature, and checks its key against the policy.</summary>
    internal static PublicKey? ReadCsr(string? text, KeyAlgorithm expected, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A certificate signing request (PKCS#10, PEM or base64) is required.";
            return null;
        }

        CertificateRequest request;
        try
        {
            // Note: the default load options verify the request's signature: the proof that the
            // requester holds the private key (RFC 2986 §3).
            request = text.Contains("-----BEGIN", StringComparison.Ordinal)
                ? CertificateRequest.LoadSigningRequestPem(text, HashAlgorithmName.SHA256)
                : CertificateRequest.LoadSigningRequest(Convert.FromBase64String(text.Trim()), HashAlgorithmName.SHA256);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            error = "The CSR is not a PKCS#10 request with a valid signature (proof of possession failed or the data is damaged).";
            return null;
        }

        var actual = KeyAlgorithms.Of(request.PublicKey);
        if (actual != expected)
        {
            error = $"The CSR's key is {actual?.ToString() ?? "of an unsupported type"}, but the policy asks for {expected}.";
            return null;
        }

        return request.PublicKey;
    }
}
