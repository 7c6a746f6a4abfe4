using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Policies;

/// <summary>Where a certificate's key pair is made.</summary>
public enum KeyGeneration
{
    /// <summary>On the device; the server sees a CSR and checks its proof of possession.</summary>
    Device,

    /// <summary>On the server; the key is delivered encrypted and may be archived for recovery.</summary>
    Server,
}

/// <summary>
/// A certificate policy (template, PRODUCT.md §4): what a certificate issued under it contains and
/// how its key is handled. <see cref="CertificatePolicyRules.Validate"/> says whether it is sound.
/// </summary>
/// <param name="Name">The policy's name.</param>
/// <param name="KeyAlgorithm">The subject key's algorithm and size.</param>
/// <param name="KeyUsage">keyUsage bits.</param>
/// <param name="ExtendedKeyUsages">EKU OIDs.</param>
/// <param name="SubjectTemplate">A <see cref="SubjectTemplate"/>.</param>
/// <param name="SanEmail">Put the person's email in the SAN (rfc822Name).</param>
/// <param name="UpnSuffix">When set, put <c>logonName@suffix</c> in the SAN as a Microsoft UPN otherName (smart-card logon).</param>
/// <param name="PolicyOids">certificatePolicies OIDs.</param>
/// <param name="ValidityDays">Lifetime in days.</param>
/// <param name="KeyGeneration">Device or server.</param>
/// <param name="Archive">Keep the server-made key, encrypted under the KEK, for recovery.</param>
/// <param name="AutomaticRenewal">Renew before expiry.</param>
/// <param name="RenewalDaysBeforeExpiry">How long before expiry renewal starts.</param>
public sealed record CertificatePolicyDefinition(
    string? Name,
    KeyAlgorithm KeyAlgorithm,
    X509KeyUsageFlags KeyUsage,
    IReadOnlyList<string> ExtendedKeyUsages,
    string? SubjectTemplate,
    bool SanEmail,
    string? UpnSuffix,
    IReadOnlyList<string> PolicyOids,
    int ValidityDays,
    KeyGeneration KeyGeneration,
    bool Archive,
    bool AutomaticRenewal,
    int RenewalDaysBeforeExpiry);

/// <summary>The rules a certificate policy must meet (RFC 5280 and STANDARDS.md §1), each with a message that says why.</summary>
public static partial class CertificatePolicyRules
{
    /// <summary>id-kp-clientAuth.</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>id-kp-emailProtection.</summary>
    public const string EmailProtection = "1.3.6.1.5.5.7.3.4";

    /// <summary>Microsoft smart-card logon.</summary>
    public const string SmartCardLogon = "1.3.6.1.4.1.311.20.2.2";

    /// <summary>anyExtendedKeyUsage: never issued.</summary>
    public const string AnyExtendedKeyUsage = "2.5.29.37.0";

    private const X509KeyUsageFlags SigningUsages = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;

    /// <summary>Checks a policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>Errors by field; empty when the policy is sound.</returns>
    public static Dictionary<string, string[]> Validate(CertificatePolicyDefinition policy)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(policy.Name) || policy.Name.Trim().Length > 100)
        {
            errors.Add("name", "A policy name is required, at most 100 characters.");
        }

        ValidateKeyUsage(policy, errors);
        ValidateIdentifiers(policy, errors);
        ValidateLifetime(policy, errors);
        return errors.ToDictionary();
    }

    private static void ValidateKeyUsage(CertificatePolicyDefinition policy, FieldErrors errors)
    {
        if (!Enum.IsDefined(policy.KeyAlgorithm))
        {
            errors.Add("keyAlgorithm", "The key algorithm must be Rsa2048, Rsa3072, Rsa4096, EcdsaP256 or EcdsaP384.");
        }

        var usage = policy.KeyUsage;
        if (usage == X509KeyUsageFlags.None)
        {
            errors.Add("keyUsage", "At least one key usage is required, for example DigitalSignature.");
        }

        if ((usage & (X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign)) != 0)
        {
            errors.Add("keyUsage", "KeyCertSign and CrlSign are for CAs; a policy issues end-entity certificates.");
        }

        if (policy.KeyAlgorithm.IsEcdsa() && (usage & (X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment)) != 0)
        {
            errors.Add("keyUsage", "An ECDSA key cannot encipher keys or data; use KeyAgreement for EC encryption certificates (RFC 5480 §3).");
        }

        if (!policy.KeyAlgorithm.IsEcdsa() && (usage & X509KeyUsageFlags.KeyAgreement) != 0)
        {
            errors.Add("keyUsage", "KeyAgreement is for EC keys; RSA encryption certificates use KeyEncipherment.");
        }
    }

    private static void ValidateIdentifiers(CertificatePolicyDefinition policy, FieldErrors errors)
    {
        foreach (var oid in policy.ExtendedKeyUsages.Concat(policy.PolicyOids))
        {
            if (!OidPattern().IsMatch(oid))
            {
                errors.Add(policy.ExtendedKeyUsages.Contains(oid) ? "extendedKeyUsages" : "policyOids", $"'{oid}' is not a dotted object identifier such as 1.3.6.1.5.5.7.3.2.");
            }
        }

        if (policy.ExtendedKeyUsages.Contains(AnyExtendedKeyUsage))
        {
            errors.Add("extendedKeyUsages", "anyExtendedKeyUsage (2.5.29.37.0) is never issued: name the usages the certificate is for.");
        }

        if (policy.ExtendedKeyUsages.Contains(SmartCardLogon) && string.IsNullOrWhiteSpace(policy.UpnSuffix))
        {
            errors.Add("upnSuffix", "Smart-card logon needs the user principal name in the certificate: set a UPN suffix (logonName@suffix).");
        }

        if (policy.UpnSuffix is { Length: > 0 } suffix && !DomainPattern().IsMatch(suffix))
        {
            errors.Add("upnSuffix", $"'{suffix}' is not a domain such as corp.example.org.");
        }

        if (SubjectTemplate.Validate(policy.SubjectTemplate) is { } template)
        {
            errors.Add("subjectTemplate", template);
        }
    }

    private static void ValidateLifetime(CertificatePolicyDefinition policy, FieldErrors errors)
    {
        var encrypts = (policy.KeyUsage & (X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.KeyAgreement)) != 0;
        if (policy.ValidityDays is < 1 or > 3650)
        {
            errors.Add("validityDays", "Validity must be between 1 and 3650 days.");
        }

        if (policy.Archive)
        {
            if (policy.KeyGeneration != KeyGeneration.Server)
            {
                errors.Add("archive", "Only keys made on the server can be archived; a device key never leaves the device.");
            }

            if (!encrypts || (policy.KeyUsage & SigningUsages) != 0)
            {
                // Note: signing keys are never archived, so that a recovered key can never sign as its owner (STANDARDS.md §1).
                errors.Add("archive", "Only encryption keys may be archived: the key usage must be encryption only (KeyEncipherment or KeyAgreement), without DigitalSignature or NonRepudiation.");
            }
        }

        if (policy.AutomaticRenewal && (policy.RenewalDaysBeforeExpiry < 1 || policy.RenewalDaysBeforeExpiry >= policy.ValidityDays))
        {
            errors.Add("renewalDaysBeforeExpiry", $"Renewal must start between 1 day and the validity ({policy.ValidityDays} days) before expiry.");
        }
    }

    [GeneratedRegex(@"^[0-2](\.(0|[1-9][0-9]*))+$", RegexOptions.CultureInvariant)]
    private static partial Regex OidPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
