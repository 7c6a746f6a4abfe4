namespace MobileId.Pki.Enrolment.Scep;

/// <summary>The object identifiers of SCEP messages (RFC 8894 §3.2.1) and the algorithms this server names.</summary>
public static class ScepOids
{
    /// <summary>id-messageType.</summary>
    public const string MessageType = "2.16.840.1.113733.1.9.2";

    /// <summary>id-pkiStatus.</summary>
    public const string PkiStatus = "2.16.840.1.113733.1.9.3";

    /// <summary>id-failInfo.</summary>
    public const string FailInfo = "2.16.840.1.113733.1.9.4";

    /// <summary>id-senderNonce.</summary>
    public const string SenderNonce = "2.16.840.1.113733.1.9.5";

    /// <summary>id-recipientNonce.</summary>
    public const string RecipientNonce = "2.16.840.1.113733.1.9.6";

    /// <summary>id-transactionID.</summary>
    public const string TransactionId = "2.16.840.1.113733.1.9.7";

    /// <summary>id-scep-failInfoText (RFC 8894 §3.2.1.4).</summary>
    public const string FailInfoText = "1.3.6.1.5.5.7.24.1";

    /// <summary>PKCS#9 challengePassword.</summary>
    public const string ChallengePassword = "1.2.840.113549.1.9.7";

    /// <summary>SHA-256.</summary>
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";

    /// <summary>SHA-512.</summary>
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>AES-128-CBC.</summary>
    public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";

    /// <summary>AES-256-CBC.</summary>
    public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
}
