using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Tests.Features.Protocols;

/// <summary>Wrong SCEP/EST challenges are counted per client address; at the limit that address is refused, even with a right code.</summary>
public sealed class ChallengeThrottleTests : EnrolmentTestKit
{
    protected override void Configure(MobileIdApp app) => app.Settings["MobileId:Enrolment:MaxFailedChallengesPerAddress"] = "3";

    private Task<EnrolmentResult> EnrolFromAsync(string address, string challenge) => App.WithServicesAsync(s =>
    {
        s.GetRequiredService<IHttpContextAccessor>().HttpContext = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };
        using var key = RSA.Create(2048);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=guess", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return s.GetRequiredService<ProtocolEnrolment>().EnrolAsync(EnrolmentProtocol.Est, challenge, csr, new(), CancellationToken.None);
    });

    [Fact]
    public async Task WrongChallenges_AtTheLimit_AddressRefusedEvenWithTheRightCodeOthersNot()
    {
        var request = await ChallengeAsync();
        var wrong = request.Code == "00000000" ? "11111111" : "00000000";
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(EnrolmentFailure.Unauthorized, (await EnrolFromAsync("192.0.2.7", wrong)).Failure);
        }

        var blocked = await EnrolFromAsync("192.0.2.7", request.Code);
        Assert.False(blocked.IsSuccess);
        Assert.Contains("Too many wrong challenges", blocked.Message, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);

        var elsewhere = await EnrolFromAsync("192.0.2.8", request.Code);
        Assert.True(elsewhere.IsSuccess, elsewhere.Message);
    }
}
