using System.Net;

namespace MobileId.Interop.Tests.Features.Authorities;

/// <summary>An imported CA on Kestrel (loopback), asked by the real <c>openssl ocsp</c> client.</summary>
public sealed class CaImportInteropTests : LoopbackServerTest
{
    [Fact]
    public async Task OpenSslOcsp_LeafOfAnImportedCa_IsGoodThenRevokedWithAResponseThatVerifiesUpToTheExternalRoot()
    {
        // Arrange: an OCSP request first, so the responder has loaded its signers before the import.
        using var external = await OpenSslCa.CreateAsync("genrsa -traditional -out ca.key 2048");
        var d = external.Directory;
        var unknown = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {external.CaPem} -serial 0x1234 -url {Base}/pki/ocsp -noverify");
        Assert.Contains("unauthorized", unknown.Output, StringComparison.OrdinalIgnoreCase);
        using var admin = await App.AdminClientAsync();
        var name = "ext-" + external.Id;
        var imported = await admin.PostAsJsonAsync("/api/v1/authorities/import", new { name, pfx = await external.PfxAsync("pw-1"), password = "pw-1" });
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var (id, leaf) = await Issuance.LeafAsync(App, admin, name);
        await File.WriteAllTextAsync($"{d}/leaf.pem", leaf);
        await File.WriteAllTextAsync($"{d}/trust.pem", await external.ChainPemAsync());

        // Act
        var good = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {external.CaPem} -cert {d}/leaf.pem -url {Base}/pki/ocsp -CAfile {d}/trust.pem");
        var revoke = await admin.PostAsJsonAsync($"/api/v1/certificates/{id}/revoke", new { reason = "KeyCompromise" });
        var revoked = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {external.CaPem} -cert {d}/leaf.pem -url {Base}/pki/ocsp -CAfile {d}/trust.pem");

        // Assert: the delegated responder certificate is made by the imported CA's key.
        Assert.True(good.Code == 0, good.Output);
        Assert.Contains("Response verify OK", good.Output, StringComparison.Ordinal);
        Assert.Contains("leaf.pem: good", good.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Contains("leaf.pem: revoked", revoked.Output, StringComparison.Ordinal);
        Assert.Contains("Reason: keyCompromise", revoked.Output, StringComparison.Ordinal);
        var text = await ExternalTool.RunAsync("openssl",
            $"ocsp -issuer {external.CaPem} -cert {d}/leaf.pem -url {Base}/pki/ocsp -CAfile {d}/trust.pem -resp_text");
        Assert.Contains($"Issuer: O=Elsewhere, CN=Elsewhere Issuing {external.Id}", text.Output, StringComparison.Ordinal);
        Assert.Contains($"Subject: CN={name} OCSP Responder", text.Output, StringComparison.Ordinal);
    }
}
