using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;

namespace MobileId.Pki.Tests.Policies;

public sealed class CertificatePolicyRulesTests
{
    private static readonly CertificatePolicyDefinition Authentication = new(
        "Mobile authentication", KeyAlgorithm.EcdsaP256, X509KeyUsageFlags.DigitalSignature, [CertificatePolicyRules.ClientAuth],
        "CN={displayName},O=Example", SanEmail: true, UpnSuffix: null, ["2.16.840.1.101.3.2.1.3.13"], 365, KeyGeneration.Device,
        Archive: false, AutomaticRenewal: true, RenewalDaysBeforeExpiry: 30);

    private static readonly CertificatePolicyDefinition Encryption = new(
        "Mail encryption", KeyAlgorithm.Rsa2048, X509KeyUsageFlags.KeyEncipherment, [CertificatePolicyRules.EmailProtection],
        "CN={displayName},E={email}", SanEmail: true, UpnSuffix: null, [], 730, KeyGeneration.Server,
        Archive: true, AutomaticRenewal: false, RenewalDaysBeforeExpiry: 0);

    [Fact]
    public void Validate_SoundAuthenticationAndArchivedEncryptionPolicies_HaveNoErrors()
    {
        Assert.Empty(CertificatePolicyRules.Validate(Authentication));
        Assert.Empty(CertificatePolicyRules.Validate(Encryption));
        Assert.Empty(CertificatePolicyRules.Validate(Encryption with { KeyAlgorithm = KeyAlgorithm.EcdsaP384, KeyUsage = X509KeyUsageFlags.KeyAgreement }));
    }

    public static TheoryData<string, CertificatePolicyDefinition, string, string> BadPolicies() => new()
    {
        { "no name", Authentication with { Name = " " }, "name", "name is required" },
        { "CA usage", Authentication with { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign }, "keyUsage", "are for CAs" },
        { "no usage", Authentication with { KeyUsage = X509KeyUsageFlags.None }, "keyUsage", "At least one key usage" },
        { "EC key encipherment", Authentication with { KeyUsage = X509KeyUsageFlags.KeyEncipherment }, "keyUsage", "cannot encipher" },
        { "RSA key agreement", Encryption with { KeyUsage = X509KeyUsageFlags.KeyAgreement }, "keyUsage", "KeyAgreement is for EC keys" },
        { "any EKU", Authentication with { ExtendedKeyUsages = [CertificatePolicyRules.AnyExtendedKeyUsage] }, "extendedKeyUsages", "never issued" },
        { "bad EKU", Authentication with { ExtendedKeyUsages = ["client auth"] }, "extendedKeyUsages", "not a dotted object identifier" },
        { "bad policy OID", Authentication with { PolicyOids = ["1.2.x"] }, "policyOids", "not a dotted object identifier" },
        { "smart card without UPN", Authentication with { ExtendedKeyUsages = [CertificatePolicyRules.SmartCardLogon] }, "upnSuffix", "user principal name" },
        { "bad UPN suffix", Authentication with { UpnSuffix = "not a domain" }, "upnSuffix", "is not a domain" },
        { "bad template", Authentication with { SubjectTemplate = "CN={nick}" }, "subjectTemplate", "not a placeholder" },
        { "zero validity", Authentication with { ValidityDays = 0 }, "validityDays", "between 1 and 3650" },
        { "archive device key", Encryption with { KeyGeneration = KeyGeneration.Device }, "archive", "Only keys made on the server" },
        { "archive signing key", Encryption with { KeyUsage = X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature }, "archive", "Only encryption keys" },
        { "renewal after expiry", Authentication with { RenewalDaysBeforeExpiry = 400 }, "renewalDaysBeforeExpiry", "between 1 day and the validity" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public void Validate_BadPolicy_NamesTheFieldAndWhy(string name, CertificatePolicyDefinition policy, string field, string message)
    {
        var errors = CertificatePolicyRules.Validate(policy);

        Assert.True(errors.ContainsKey(field), $"{name}: expected an error on {field}, got {string.Join("; ", errors.Select(e => e.Key))}");
        Assert.Contains(errors[field], m => m.Contains(message, StringComparison.Ordinal));
    }
}
