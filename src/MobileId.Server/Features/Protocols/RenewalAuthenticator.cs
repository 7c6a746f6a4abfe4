using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Protocols;

/// <summary>A certificate of ours, valid now, authenticates its own renewal. Not a renewal: null.</summary>
public sealed class RenewalAuthenticator(MobileIdDbContext db, EnrolmentIssuer issuer, CertificateIssuance issuance, CertificateService certificates,
    AuditTrail audit, TimeProvider time) : IEnrolmentAuthenticator
{
    /// <summary>
    /// A renewal (SCEP RenewalReq, EST simplereenroll): authenticated by the attempt's current certificate, a
    /// certificate of ours that is valid now. The new certificate takes the old one's place (same
    /// person, policy, mobile ID slot and device) and the old one is revoked as superseded.
    /// </summary>
    /// <inheritdoc/>
    public async Task<EnrolmentResult?> EnrolAsync(EnrolmentAttempt attempt, CancellationToken cancellationToken)
    {
        if (attempt.Current is not { } current)
        {
            return null;
        }

        var (caller, protocol, csr, serverKey) = (attempt.Caller, attempt.Protocol, attempt.Csr, attempt.Options.ServerKey);
        var old = await issuer.OursAsync(current, cancellationToken);
        if (old is null)
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.BadCertId,
                "The certificate that signed the renewal was not issued by this server.", cancellationToken);
        }

        var person = old.PersonId is { } personId ? await db.People.AsNoTracking().SingleAsync(p => p.Id == personId, cancellationToken) : null;
        var successor = await db.IssuedCertificates.AsNoTracking().SingleOrDefaultAsync(c => c.RenewsId == old.Id, cancellationToken);
        if (successor is not null)
        {
            return !serverKey && successor.KeyHash is { } hash && hash.AsSpan().SequenceEqual(CertificateService.KeyHashOf(csr.PublicKey))
                ? new EnrolmentResult(new Enrolled(successor, await issuance.ChainAsync(successor.IssuerId, cancellationToken)))
                : await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                    $"Certificate {old.SerialHex} has already been renewed (by {successor.SerialHex}); renew that one.", cancellationToken);
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (old.Status != CertificateStatus.Valid)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"Certificate {old.SerialHex} is {old.Status.ToString().ToLowerInvariant()}: it cannot renew itself.", cancellationToken);
        }

        if (old.NotAfter <= now)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadTime,
                $"Certificate {old.SerialHex} expired at {old.NotAfter:u}; enrol again with a new challenge.", cancellationToken);
        }

        var policy = old.PolicyId is { } policyId ? await db.CertificatePolicies.AsNoTracking().SingleAsync(p => p.Id == policyId, cancellationToken) : null;
        if (policy is null)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"Certificate {old.SerialHex} was not issued under a certificate policy, so it cannot be renewed here.", cancellationToken);
        }

        if (old.MobileIdentityId is { } mobileIdId
            && await db.MobileIdentities.AsNoTracking().Where(m => m.Id == mobileIdId).Select(m => m.Status).SingleAsync(cancellationToken) is var status
            && status != MobileIdStatus.Issued)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"The mobile ID of certificate {old.SerialHex} is {status}: it cannot be renewed.", cancellationToken);
        }

        if (!serverKey && EnrolmentIssuer.KeyProblem(csr.PublicKey, policy.KeyAlgorithm) is { } keyProblem)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadAlg, keyProblem, cancellationToken);
        }

        var target = new IssueFor(old.PersonId, policy.Id, MobileIdentityId: old.MobileIdentityId, RenewsId: old.Id, DeviceId: old.DeviceId);
        var issued = person is null
            ? await issuer.IssueFromCsrAsync(caller, policy, X509CertificateLoader.LoadCertificate(old.Der), csr.PublicKey, serverKey, target, cancellationToken)
            : await issuer.IssueAsync(caller, person, policy, csr.PublicKey, serverKey, target, cancellationToken);
        if (!issued.IsSuccess)
        {
            return issued;
        }

        var tracked = await db.IssuedCertificates.SingleAsync(c => c.Id == old.Id, cancellationToken);
        var fresh = await db.IssuedCertificates.SingleAsync(c => c.Id == issued.Value!.Certificate.Id, cancellationToken);
        var superseded = await certificates.SupersedeAsync(caller, tracked, fresh, slot => audit.Record(caller, LifecycleActions.Renewed, null,
            person is null ? null : AuditTarget.For(person), AuditOutcome.Success,
            new { protocol, mobileId = old.MobileIdentityId, slot, serial = fresh.SerialHex, renews = old.SerialHex, notAfter = fresh.NotAfter }), cancellationToken);
        return superseded.IsSuccess
            ? issued with { Value = issued.Value! with { Certificate = fresh } }
            : EnrolmentResult.Refused(EnrolmentFailure.BadRequest, superseded.Error!.Detail);
    }
}
