using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Scep;

/// <summary>
/// scepclient against the default ECDSA P-256 issuing CA: the request is encrypted to the RSA
/// registration authority only, chosen by its SHA-256 fingerprint (<c>-ca-fingerprint</c>), as an
/// NDES-style client picks its recipient.
/// </summary>
public sealed class ScepEcdsaCaTests : ScepTestKit
{
    [Fact]
    public async Task Scepclient_RaFingerprintWithEcdsaCa_IssuedAndVerifies()
    {
        var request = await ChallengeAsync();
        var (ra, cas) = await CaCertsAsync();
        Assert.All(cas, ca => Assert.NotNull(ca.GetECDsaPublicKey()));
        var run = await ScepclientAsync("ecdsa", request.Code, extra: "-ca-fingerprint " + Convert.ToHexString(SHA256.HashData(ra.RawData)));
        Assert.True(run.Code == 0, run.Output);
        await AssertVerifiesAsync(Path.Combine(Dir, "ecdsa", "c.pem"));
        Assert.Equal(MobileIdStatus.Issued, (await StoredAsync(request.Request.Id)).Status);
    }
}
