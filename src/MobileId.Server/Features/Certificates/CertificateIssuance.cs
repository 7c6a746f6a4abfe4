using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Certificates;

public sealed record IssueCertificateRequest(string? Policy, string? Csr);

public sealed record CertificateView(Guid Id, string Ca, string SerialNumber, string Subject, Guid? PersonId, CertificateStatus Status,
    DateTime NotBefore, DateTime NotAfter, DateTime? RevokedAt, int? RevocationReason, string Pem);

public sealed record RevokeRequest(X509RevocationReason? Reason);

/// <summary>
/// Issues a certificate to a person under a policy from a CSR made on the device: the CSR's
/// signature (proof of possession) is verified and its key must match the policy; subject and
/// SAN come from the person record, never from the CSR.
/// </summary>
public sealed class CertificateIssuance(MobileIdDbContext db, AccessPolicy access, CertificateService certificates)
{
    public async Task<Result<CertificateView>> IssueAsync(Caller caller, Guid personId, IssueCertificateRequest request, CancellationToken cancellationToken)
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

        if (policy.KeyGeneration != KeyGeneration.Device)
        {
            return AppError.Conflict($"'{policy.Name}' makes keys on the server; its certificates are delivered with the mobile ID, not from a CSR.");
        }

        var key = ReadCsr(request.Csr, policy.KeyAlgorithm, out var error);
        if (key is null)
        {
            return AppError.Validation("csr", error!);
        }

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
        var issued = await certificates.IssueAsync(caller, ca.Name, key, profile, person.Id, cancellationToken);
        return issued.IsSuccess ? View(issued.Value!, ca.Name) : issued.Error!;
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

        using var ec = request.PublicKey.GetECDsaPublicKey();
        using var rsa = ec is null ? request.PublicKey.GetRSAPublicKey() : null;
        KeyAlgorithm? actual = ec?.KeySize switch
        {
            256 => KeyAlgorithm.EcdsaP256,
            384 => KeyAlgorithm.EcdsaP384,
            _ => rsa?.KeySize switch { 2048 => KeyAlgorithm.Rsa2048, 3072 => KeyAlgorithm.Rsa3072, 4096 => KeyAlgorithm.Rsa4096, _ => null },
        };
        if (actual != expected)
        {
            error = $"The CSR's key is {actual?.ToString() ?? "of an unsupported type"}, but the policy asks for {expected}.";
            return null;
        }

        return request.PublicKey;
    }
}
