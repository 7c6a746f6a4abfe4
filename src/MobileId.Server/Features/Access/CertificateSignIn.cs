using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Pki;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

/// <summary>
/// Sign-in with a client certificate presented in the TLS handshake (PRODUCT.md §2 logon
/// mechanisms): a smart card or a derived credential that MobileId issued. The handshake proved the
/// key; this checks that the certificate is one of ours, byte for byte, still valid (not revoked,
/// not on hold, within its dates), meant for client authentication, and held by an active person one
/// of whose roles allows certificate logon. Every refusal is audited with its reason.
/// </summary>
public sealed class CertificateSignIn(MobileIdDbContext db, AuditTrail audit, TimeProvider time, IOptions<SecurityOptions> options)
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string SmartCardLogon = "1.3.6.1.4.1.311.20.2.2";

    private static readonly AppError Rejected = new(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "Sign-in failed",
        "This certificate cannot sign in: it is not a valid MobileId certificate for client authentication, or its holder's roles do not allow certificate logon.");

    /// <summary>Whether the server asks browsers for a certificate on HTTPS (<c>MobileId:Security:ClientCertificateSignIn</c>).</summary>
    public bool Enabled => options.Value.ClientCertificateSignIn;

    public async Task<Result<Person>> SignInAsync(X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return AppError.BadRequest("Certificate sign-in is not enabled on this server (MobileId:Security:ClientCertificateSignIn).");
        }

        if (certificate is null)
        {
            return AppError.Validation("certificate",
                "Your browser presented no certificate. Insert the smart card or choose the derived credential when the browser asks, then try again over HTTPS.");
        }

        var serial = SerialNumbers.ToHex(certificate.SerialNumberBytes.Span);
        var candidates = await db.IssuedCertificates.AsNoTracking().Where(c => c.SerialHex == serial).ToListAsync(cancellationToken);
        var issued = candidates.FirstOrDefault(c => c.Der.AsSpan().SequenceEqual(certificate.RawData));
        var person = issued?.PersonId is { } personId
            ? await db.People.Include(p => p.Roles).ThenInclude(r => r.Role).SingleOrDefaultAsync(p => p.Id == personId, cancellationToken)
            : null;
        var now = time.GetUtcNow().UtcDateTime;
        var reason = issued is null ? "certificate not issued by MobileId"
            : issued.Status != CertificateStatus.Valid ? $"certificate {issued.Status.ToString().ToLowerInvariant()}"
            : now < issued.NotBefore || now > issued.NotAfter ? "certificate outside its validity"
            : !ForClientAuthentication(certificate) ? "certificate not for client authentication"
            : person is null ? "certificate has no holder"
            : person.Status != PersonStatus.Active ? "account disabled"
            : !person.Roles.Any(r => r.Role?.AllowCertificateLogon == true) ? "no role of the person allows certificate logon"
            : null;
        if (reason is not null)
        {
            var target = person is null ? new AuditTarget("certificate", null, serial) : AuditTarget.For(person);
            audit.Record(null, "signin.failed", null, target, AuditOutcome.Denied, new { reason, method = "certificate", serial });
            // Commit: the denied sign-in's audit record on its own, so it is kept even though the sign-in is refused.
            await db.SaveChangesAsync(cancellationToken);
            return Rejected;
        }

        SignInService.RecordSignIn(audit, person!, new { method = "certificate", serial });
        // Commit: the sign-in's audit record, once.
        await db.SaveChangesAsync(cancellationToken);
        return person!;
    }

    /// <summary>No extended key usage (any use), or one that names client authentication or smart card logon.</summary>
    private static bool ForClientAuthentication(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault() is not { } usage
        || usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value is ClientAuthentication or SmartCardLogon);
}
