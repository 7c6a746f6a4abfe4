using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment.Ota;

namespace MobileId.Server.Features.Ota;

/// <summary>The texts of the iOS OTA settings that every profile carries.</summary>
public sealed record OtaTexts(string Organization, string DisplayName, string Description);

/// <summary>What the SCEP payload needs: the SCEP URL, the CA's name and certificate, the subject, the one-time challenge.</summary>
public sealed record ScepPayloadInput(string Url, string CaName, byte[] CaCertificate, string CommonName, string Challenge, byte[] RootCertificate);

/// <summary>
/// The property lists of Apple's over-the-air enrolment (STANDARDS.md §6): the Profile Service
/// payload (phase 1), the configuration profile with a SCEP and a root payload (phase 2) and the
/// final profile whose payloads are encrypted to the device's SCEP certificate (phase 3).
/// Every profile and payload gets a fresh PayloadUUID and a PayloadIdentifier under
/// <see cref="IdentifierPrefix"/>.
/// </summary>
public static class OtaProfiles
{
    public const string IdentifierPrefix = "org.mobileid.ota";

    /// <summary>The device attributes asked for; the device answers the ones it has (no IMEI on Wi-Fi models).</summary>
    public static readonly string[] DeviceAttributes = ["UDID", "VERSION", "PRODUCT", "SERIAL", "IMEI", "MEID", "DEVICE_NAME"];

    /// <summary>SCEP payload Retries and RetryDelay (seconds): how long the device polls a PENDING answer.</summary>
    public const int Retries = 3;
    public const int RetryDelay = 10;

    /// <summary>The Profile Service payload: the device signs its attributes and the challenge and posts them to <paramref name="url"/>.</summary>
    public static PlistDict ProfileService(OtaTexts texts, string url, string challenge) =>
        Profile("Profile Service", "profile-service", texts, new PlistDict
        {
            ["URL"] = url,
            ["DeviceAttributes"] = DeviceAttributes,
            ["Challenge"] = challenge,
        });

    /// <summary>
    /// The configuration profile that enrols the device: a <c>com.apple.security.root</c> payload with the
    /// root CA and a <c>com.apple.security.scep</c> payload (RSA-2048, sign and encrypt, CAFingerprint = SHA-256 of the CA certificate).
    /// </summary>
    public static PlistDict Enrolment(OtaTexts texts, ScepPayloadInput scep)
    {
        var root = RootPayload(scep.CaName, scep.RootCertificate);
        var content = new PlistDict
        {
            ["URL"] = scep.Url,
            ["Name"] = scep.CaName,
            ["Subject"] = new List<object> { new List<object> { new List<object> { "CN", scep.CommonName } } },
            ["Challenge"] = scep.Challenge,
            ["Keysize"] = 2048,
            ["Key Type"] = "RSA",
            ["Key Usage"] = 5,
            ["Retries"] = Retries,
            ["RetryDelay"] = RetryDelay,
            ["CAFingerprint"] = SHA256.HashData(scep.CaCertificate),
        };
        var enrol = Payload("com.apple.security.scep", "scep", $"{scep.CaName} device identity", content);
        return Profile("Configuration", "configuration", texts, new List<object> { root, enrol });
    }

    /// <summary>A <c>com.apple.security.root</c> payload that installs <paramref name="rootCertificate"/> (DER).</summary>
    public static PlistDict RootPayload(string caName, byte[] rootCertificate)
    {
        var root = Payload("com.apple.security.root", "root", $"{caName} root", rootCertificate);
        root["PayloadCertificateFileName"] = "root.cer";
        return root;
    }

    /// <summary>
    /// The final configuration profile (phase 3): its payloads, an XML plist array, travel as
    /// <c>EncryptedPayloadContent</c>, a DER CMS EnvelopedData (AES-256-CBC, RSA key transport)
    /// that only the holder of <paramref name="recipient"/>'s key (the device's SCEP identity) opens.
    /// </summary>
    public static PlistDict Final(OtaTexts texts, IReadOnlyList<PlistDict> payloads, X509Certificate2 recipient)
    {
        var enveloped = new EnvelopedCms(new ContentInfo(Plist.Write(payloads)), new AlgorithmIdentifier(new Oid("2.16.840.1.101.3.4.1.42")));
        enveloped.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.Pkcs1));
        return Profile("Configuration", "final", texts, enveloped.Encode(), "EncryptedPayloadContent");
    }

    private static PlistDict Profile(string type, string name, OtaTexts texts, object content, string contentKey = "PayloadContent")
    {
        var profile = new PlistDict { [contentKey] = content };
        profile["PayloadOrganization"] = texts.Organization;
        profile["PayloadDisplayName"] = texts.DisplayName;
        profile["PayloadDescription"] = texts.Description;
        AddIdentity(profile, type, name);
        return profile;
    }

    private static PlistDict Payload(string type, string name, string displayName, object content)
    {
        var payload = new PlistDict { ["PayloadContent"] = content, ["PayloadDisplayName"] = displayName };
        AddIdentity(payload, type, name);
        return payload;
    }

    private static void AddIdentity(PlistDict payload, string type, string name)
    {
        var uuid = Guid.NewGuid().ToString("D").ToUpperInvariant();
        payload["PayloadIdentifier"] = $"{IdentifierPrefix}.{name}.{uuid}";
        payload["PayloadUUID"] = uuid;
        payload["PayloadVersion"] = 1;
        payload["PayloadType"] = type;
    }
}
