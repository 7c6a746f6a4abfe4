using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Tests;

/// <summary>The RFC 5280 rules that can be checked mechanically on every certificate the tests make.</summary>
internal static class Rfc5280
{
    public static void AssertCa(X509Certificate2 ca, X509Certificate2 issuer, int? pathLength)
    {
        AssertCommon(ca, issuer);
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.Critical);
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(pathLength is not null, constraints.HasPathLengthConstraint);
        if (pathLength is { } length)
        {
            Assert.Equal(length, constraints.PathLengthConstraint);
        }

        var usage = ca.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.NotNull(ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault());
    }

    public static void AssertLeaf(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        AssertCommon(leaf, issuer);
        var constraints = leaf.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault();
        Assert.True(constraints is null || !constraints.CertificateAuthority);
        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(0, (int)(usage.KeyUsages & (X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign)));
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault();
        Assert.DoesNotContain(eku?.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>() ?? [], o => o.Value == "2.5.29.37.0");
        Assert.NotNull(leaf.Extensions.OfType<X509AuthorityInformationAccessExtension>().SingleOrDefault());
        Assert.NotNull(leaf.Extensions["2.5.29.31"]);
    }

    private static void AssertCommon(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        Assert.Equal(3, certificate.Version);
        var serial = certificate.SerialNumberBytes.Span;
        Assert.InRange(serial.Length, 9, 20);
        Assert.True(serial[0] < 0x80, "serial must be positive");
        Assert.Equal(issuer.SubjectName.RawData, certificate.IssuerName.RawData);
        Assert.True(certificate.NotBefore >= issuer.NotBefore.AddMinutes(-1) && certificate.NotAfter <= issuer.NotAfter,
            "validity must lie inside the issuer's");
        var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        if (!ReferenceEquals(certificate, issuer) && certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) is false)
        {
            var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
            Assert.Equal(ski.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        }
    }
}
