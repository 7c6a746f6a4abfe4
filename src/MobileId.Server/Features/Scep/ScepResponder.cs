using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment;
using MobileId.Pki.Enrolment.Scep;
using MobileId.Server.Features.Crl;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Scep;

/// <summary>What the SCEP endpoint sends: a status, a content type and the body.</summary>
public sealed record ScepAnswer(int Status, string ContentType, byte[] Body)
{
    public const string PkiMessageType = "application/x-pki-message";

    public static ScepAnswer Text(int status, string text) => new(status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(text + "\n"));
}

/// <summary>
/// Answers SCEP PKIOperation messages (RFC 8894 §3.3): PKCSReq and RenewalReq through
/// <see cref="ProtocolEnrolment"/>, CertPoll, GetCert and GetCRL. Every refusal is a CertRep with
/// pkiStatus FAILURE, failInfo and failInfoText; only a message without a transactionID and
/// senderNonce to answer to gets HTTP 400.
/// </summary>
public sealed partial class ScepResponder(ProtocolEnrolment enrolment, RegistrationAuthorities authorities, MobileIdDbContext db, CrlPublisher crls,
    ILogger<ScepResponder> logger)
{
    /// <summary>The largest pkiMessage taken (a PKCSReq with an RSA-4096 key and its certificate is under 8 KiB).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public async Task<ScepAnswer> RespondAsync(byte[] der, CancellationToken cancellationToken)
    {
        ScepRequest request;
        try
        {
            request = ScepCodec.Read(der);
        }
        catch (ScepFormatException e)
        {
            return ScepAnswer.Text(StatusCodes.Status400BadRequest, e.Message);
        }

        var valid = await authorities.ValidAsync(cancellationToken);
        (RaCredential Ra, byte[] Content, string Algorithm)? opened = null;
        if (request.SignatureValid)
        {
            try
            {
                opened = ScepCodec.Open(request.Envelope, valid, ra => ra.Certificate);
            }
            catch (CryptographicException)
            {
                // Note: named our RA but does not decrypt with its key; answered as badMessageCheck below.
            }
        }

        var ra = opened?.Ra ?? (await authorities.CaAsync(null, cancellationToken) is { } ca ? await authorities.ForAsync(ca.Id, cancellationToken) : null);
        if (ra is null)
        {
            return ScepAnswer.Text(StatusCodes.Status404NotFound, "This server has no active issuing CA to answer SCEP with.");
        }

        var reply = await ReplyAsync(request, opened, valid, cancellationToken);
        if (reply.FailInfo is { } info)
        {
            LogRefused(logger, request.MessageType, info, reply.FailText);
        }

        return new ScepAnswer(StatusCodes.Status200OK, ScepAnswer.PkiMessageType,
            ScepCodec.CertRep(ra.Certificate, reply, request.TransactionId, request.SenderNonce, request.DigestOid));
    }

    private async Task<ScepReply> ReplyAsync(ScepRequest request, (RaCredential Ra, byte[] Content, string Algorithm)? opened, IReadOnlyList<RaCredential> valid,
        CancellationToken cancellationToken)
    {
        if (!int.TryParse(request.MessageType, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !Enum.IsDefined((ScepMessageType)number) || (ScepMessageType)number == ScepMessageType.CertRep)
        {
            return ScepReply.Fail(ScepFailInfo.BadRequest,
                $"Unknown messageType '{request.MessageType}': this server takes PKCSReq (19), RenewalReq (17), CertPoll (20), GetCert (21) and GetCRL (22).");
        }

        if (!request.SignatureValid)
        {
            return ScepReply.Fail(ScepFailInfo.BadMessageCheck, request.Signer is null
                ? "The signer's certificate is not in the message."
                : "The message's signature does not verify with the signer's certificate.");
        }

        if (opened is not { } envelope)
        {
            return ScepReply.Fail(ScepFailInfo.BadMessageCheck,
                "The pkcsPKIEnvelope is not encrypted to a current registration authority of this server: fetch GetCACert again.");
        }

        var type = (ScepMessageType)number;
        var signer = request.Signer!;
        return type switch
        {
            ScepMessageType.PkcsReq or ScepMessageType.RenewalReq => await EnrolAsync(type, signer, envelope, valid, cancellationToken),
            ScepMessageType.CertPoll => await enrolment.FindByKeyAsync(signer.PublicKey, cancellationToken) is { } found
                ? Deliver(CertsOnly.Encode([found.Certificate.Der]), signer, envelope.Algorithm)
                : ScepReply.Fail(ScepFailInfo.BadCertId, "No certificate has been issued for this key; send the PKCSReq again."),
            ScepMessageType.GetCert => await GetCertAsync(envelope.Content, signer, envelope.Algorithm, cancellationToken),
            _ => await GetCrlAsync(envelope.Content, signer, envelope.Algorithm, cancellationToken),
        };
    }

    /// <summary>
    /// PKCSReq with a challenge, or a renewal: a RenewalReq, or a PKCSReq signed by a certificate
    /// from one of our CAs instead of a self-signed one (as micromdm's scepclient renews).
    /// </summary>
    private async Task<ScepReply> EnrolAsync(ScepMessageType type, X509Certificate2 signer, (RaCredential Ra, byte[] Content, string Algorithm) envelope,
        IReadOnlyList<RaCredential> valid, CancellationToken cancellationToken)
    {
        if (ScepCodec.ReadCsr(envelope.Content) is not { } read)
        {
            return ScepReply.Fail(ScepFailInfo.BadRequest, "The pkcsPKIEnvelope does not hold a PKCS#10 request whose signature verifies.");
        }

        var renewal = type == ScepMessageType.RenewalReq || !IsSelfSigned(signer) && valid.Any(ra => IssuedBy(signer, ra.CaChain[0]));
        var result = renewal
            ? await enrolment.RenewAsync(EnrolmentProtocol.Scep, signer, read.Csr, serverKey: false, cancellationToken)
            : await enrolment.EnrolAsync(EnrolmentProtocol.Scep, read.Challenge, read.Csr, new EnrolmentOptions(), cancellationToken);
        return result.IsSuccess
            ? Deliver(CertsOnly.Encode([result.Value!.Certificate.Der]), signer, envelope.Algorithm)
            : Refused(result);
    }

    private async Task<ScepReply> GetCertAsync(byte[] content, X509Certificate2 signer, string algorithm, CancellationToken cancellationToken)
    {
        if (ScepCodec.ReadIssuerAndSerial(content) is not { } wanted)
        {
            return ScepReply.Fail(ScepFailInfo.BadRequest, "GetCert takes an IssuerAndSerialNumber.");
        }

        var candidates = await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.SerialHex == wanted.Serial || c.SerialHex == "0" + wanted.Serial || c.SerialHex == "00" + wanted.Serial)
            .Select(c => c.Der).ToListAsync(cancellationToken);
        var der = candidates.FirstOrDefault(d => X509CertificateLoader.LoadCertificate(d).IssuerName.RawData.AsSpan().SequenceEqual(wanted.Issuer.RawData));
        return der is null
            ? ScepReply.Fail(ScepFailInfo.BadCertId, $"This server issued no certificate with serial {wanted.Serial} from {wanted.Issuer.Name}.")
            : Deliver(CertsOnly.Encode([der]), signer, algorithm);
    }

    private async Task<ScepReply> GetCrlAsync(byte[] content, X509Certificate2 signer, string algorithm, CancellationToken cancellationToken)
    {
        if (ScepCodec.ReadIssuerAndSerial(content) is not { } wanted)
        {
            return ScepReply.Fail(ScepFailInfo.BadRequest, "GetCRL takes the IssuerAndSerialNumber of a certificate.");
        }

        var cas = await db.CertificateAuthorities.AsNoTracking().Where(c => c.KeyId != "").Select(c => new { c.Id, c.CertificateDer }).ToListAsync(cancellationToken);
        var ca = cas.FirstOrDefault(c => X509CertificateLoader.LoadCertificate(c.CertificateDer).SubjectName.RawData.AsSpan().SequenceEqual(wanted.Issuer.RawData));
        if (ca is null)
        {
            return ScepReply.Fail(ScepFailInfo.BadCertId, $"This server publishes no CRL for {wanted.Issuer.Name}.");
        }

        var crl = await crls.CurrentAsync(db, ca.Id, delta: false, cancellationToken);
        return crl is null
            ? ScepReply.Fail(ScepFailInfo.BadRequest, "The CRL could not be published; the cause is in the server log.")
            : Deliver(CertsOnly.Encode([], [crl.Der]), signer, algorithm);
    }

    private static ScepReply Deliver(byte[] certsOnly, X509Certificate2 signer, string algorithm) =>
        ScepCodec.Envelope(certsOnly, signer, algorithm) is { } envelope
            ? new ScepReply(envelope)
            : ScepReply.Fail(ScepFailInfo.BadAlg, "The message's signer certificate has no RSA key, so the answer cannot be encrypted to it.");

    /// <summary>The CertRep FAILURE of a refused enrolment: its failure as failInfo, its message as failInfoText.</summary>
    private static ScepReply Refused(EnrolmentResult refused) => ScepReply.Fail(refused.Failure switch
    {
        EnrolmentFailure.BadAlg => ScepFailInfo.BadAlg,
        EnrolmentFailure.Unauthorized => ScepFailInfo.BadMessageCheck,
        EnrolmentFailure.BadTime => ScepFailInfo.BadTime,
        EnrolmentFailure.BadCertId => ScepFailInfo.BadCertId,
        _ => ScepFailInfo.BadRequest,
    }, refused.Message ?? "The request was refused.");

    private static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static bool IssuedBy(X509Certificate2 certificate, byte[] caDer)
    {
        using var ca = X509CertificateLoader.LoadCertificate(caDer);
        return certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SCEP messageType {MessageType} refused ({FailInfo}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string messageType, ScepFailInfo failInfo, string? reason);
}
