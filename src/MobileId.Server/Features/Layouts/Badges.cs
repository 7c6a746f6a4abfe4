using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MobileId.Pki.Keys;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Layouts;

/// <summary>What the signed identity token (a compact JWS, ES256) says about its holder.</summary>
public sealed record IdentityClaims(string Sub, string Name, Guid Mid, string Iss, long Iat, long Exp);

/// <summary>
/// Makes the badge of a mobile ID (PRODUCT.md §11). The QR code holds a compact JWS (RFC 7515)
/// signed ES256 by the content signing key, with the signer chain in <c>x5c</c>, so another
/// device that trusts the root verifies the holder offline (phone-to-phone verification).
/// </summary>
public sealed class Badges(MobileIdDbContext db)
{
    /// <param name="signer">The content signing key (ECDSA P-256).</param>
    /// <param name="signerChain">The content signing certificate and its CAs, DER.</param>
    public async Task<Badge?> ForAsync(CredentialProfile profile, Person person, Guid mobileId, ISigningKey signer, IReadOnlyList<byte[]> signerChain,
        string issuer, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        if (profile.CardLayoutId is not { } layoutId
            || await db.CardLayouts.AsNoTracking().SingleOrDefaultAsync(l => l.Id == layoutId, cancellationToken) is not { } layout)
        {
            return null;
        }

        var elements = CardLayouts.ElementsOf(layout);
        var group = person.GroupId is { } g ? await db.Groups.AsNoTracking().Where(x => x.Id == g).Select(x => x.Name).SingleOrDefaultAsync(cancellationToken) : null;
        var values = elements.Where(e => e.Type == "text").Select(e => e.Field!).Distinct()
            .ToDictionary(f => f, f => CardLayouts.FieldValue(person, group, f), StringComparer.Ordinal);
        PersonPhoto? photo = null;
        if (elements.Any(e => e.Type == "photo"))
        {
            photo = await db.PersonPhotos.AsNoTracking().SingleOrDefaultAsync(p => p.PersonId == person.Id, cancellationToken);
        }

        var token = elements.Any(e => e.Type == "qr")
            ? IdentityToken(new IdentityClaims(person.LogonName, PersonRules.DisplayName(person), mobileId, issuer, now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds()),
                signer, signerChain)
            : null;
        return new Badge(layout.Name, elements.Select(BadgeElementOf).ToList(), values, photo is null ? null : Convert.ToBase64String(photo.Data), photo?.ContentType, token);
    }

    /// <summary>A stored layout element as the package carries it (its type was checked when the layout was saved).</summary>
    private static BadgeElement BadgeElementOf(LayoutElement e) =>
        new(Enum.Parse<BadgeElementType>(e.Type!, ignoreCase: true), e.Field, e.Label, e.FileName, e.Data);

    /// <summary>A compact JWS: base64url(header).base64url(claims).base64url(r‖s).</summary>
    public static string IdentityToken(IdentityClaims claims, ISigningKey signer, IReadOnlyList<byte[]> signerChain)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new { alg = "ES256", typ = "mobileid-badge+jws", x5c = signerChain.Select(Convert.ToBase64String) });
        var payload = JsonSerializer.SerializeToUtf8Bytes(claims, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var signingInput = $"{Base64Url(header)}.{Base64Url(payload)}";
        var der = signer.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return $"{signingInput}.{Base64Url(RawSignature(der, 32))}";
    }

    /// <summary>An ECDSA signature from DER (RFC 3279) to the fixed r‖s form JWS uses (RFC 7518 §3.4).</summary>
    private static byte[] RawSignature(byte[] der, int size)
    {
        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var raw = new byte[2 * size];
        foreach (var offset in new[] { 0, size })
        {
            var value = sequence.ReadIntegerBytes().Span.TrimStart((byte)0);
            value.CopyTo(raw.AsSpan(offset + size - value.Length));
        }

        return raw;
    }

    private static string Base64Url(byte[] data) => System.Buffers.Text.Base64Url.EncodeToString(data);
}
