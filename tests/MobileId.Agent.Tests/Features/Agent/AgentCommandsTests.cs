using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MobileId.Agent;
using AgentProgram = MobileId.Agent.Program;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>
/// <c>mobileid-agent export --pfx</c>, <c>sign</c>, <c>verify</c>, <c>reset</c> and its prompts, on a
/// mobile ID collected from the server on loopback; checked with <c>openssl pkcs12</c> and <c>openssl cms</c>.
/// </summary>
public sealed class AgentCommandsTests : AgentTestKit
{
    private const string Password = "correct horse battery";
    private const string EmailProtection = "1.3.6.1.5.5.7.3.4";
    private string _store = "";
    private string _pfx = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _store = Path.Combine(Dir, "store");
        _pfx = Path.Combine(Dir, "id.p12");
    }

    [Fact]
    public async Task ExportPfx_PinAndPassword_OpenSslReadsTheKeyOfTheCertificateAndTheChain()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var exported = await AgentAsync("export", serial, "--pfx", _pfx, "--pin", Pin, "--password", Password, "--store", _store);

        // Assert
        Assert.True(exported.Code == 0, exported.Output + exported.Error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_pfx));
        var info = await ExternalTool.RunAsync("openssl", $"pkcs12 -in {_pfx} -passin pass:\"{Password}\" -info -nodes -out {Dir}/all.pem");
        Assert.True(info.Code == 0, info.Output);
        Assert.Contains("PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256", info.Output, StringComparison.Ordinal);
        await AssertKeyMatchesCertificateAsync($"{Dir}/all.pem", serial);
        var caCertificates = await ExternalTool.RunAsync("openssl", $"pkcs12 -in {_pfx} -passin pass:\"{Password}\" -nokeys -cacerts");
        var serverChain = await File.ReadAllTextAsync(await WriteServerChainAsync());
        Assert.NotEmpty(PemBlocks(serverChain));
        Assert.Equal(PemBlocks(serverChain).Order(StringComparer.Ordinal), PemBlocks(caCertificates.Output).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ExportPem_Chain_PrintsTheCertificateThenTheServersCaChain()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var alone = await AgentAsync("export", serial, "--pem", "--store", _store);
        var withChain = await AgentAsync("export", serial, "--pem", "--chain", "--store", _store);

        // Assert
        Assert.True(withChain.Code == 0, withChain.Output + withChain.Error);
        var serverChain = PemBlocks(await File.ReadAllTextAsync(await WriteServerChainAsync())).ToList();
        Assert.NotEmpty(serverChain);
        Assert.Equal([.. PemBlocks(alone.Output), .. serverChain], PemBlocks(withChain.Output));
    }

    [Fact]
    public async Task ExportPfx_WrongPin_ExitsRejectedCountsTheTryAndWritesNothing()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var exported = await AgentAsync("export", serial, "--pfx", _pfx, "--pin", "135791", "--password", Password, "--store", _store);

        // Assert
        Assert.Equal(AgentProgram.Rejected, exported.Code);
        Assert.Contains("Wrong PIN. 9 tries left", exported.Error, StringComparison.Ordinal);
        await AssertNothingExportedAsync(pinTriesLeft: 9);
    }

    [Fact]
    public async Task ExportPfx_ShortPasswordOrNoKey_ExitsWithTheReasonBeforeThePin()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var shortPassword = await AgentAsync("export", serial, "--pfx", _pfx, "--pin", "135791", "--password", "eleven char", "--store", _store);
        var storeFile = AgentStore.PathIn(_store);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(storeFile))!;
        foreach (var field in new[] { "keyNonce", "keyCiphertext", "keyTag" })
        {
            json["identities"]![0]!["certificates"]![0]![field] = null;
        }

        await File.WriteAllTextAsync(storeFile, json.ToJsonString());
        var noKey = await AgentAsync("export", serial, "--pfx", _pfx, "--pin", "135791", "--password", Password, "--store", _store);

        // Assert
        Assert.Equal(AgentProgram.UsageError, shortPassword.Code);
        Assert.Contains("at least 12 characters", shortPassword.Error, StringComparison.Ordinal);
        Assert.Equal(AgentProgram.Rejected, noKey.Code);
        Assert.Contains($"no private key for certificate {serial}", noKey.Error, StringComparison.Ordinal);
        await AssertNothingExportedAsync(pinTriesLeft: 10);
    }

    [Fact]
    public async Task Sign_File_OpenSslCmsVerifiesAndAgentVerifyNamesTheSigner()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store, "EcdsaP256", EmailProtection);
        var file = await WriteDocumentAsync();
        var chain = await WriteServerChainAsync();

        // Act
        var signed = await AgentAsync("sign", serial, file, "--pin", Pin, "--store", _store);
        var signedPem = await AgentAsync("sign", serial, file, "--pin", Pin, "--pem", "--out", $"{Dir}/doc.pem", "--store", _store);
        var verified = await AgentAsync("verify", file, file + ".p7s", "--store", _store);
        var verifiedPem = await AgentAsync("verify", file, $"{Dir}/doc.pem", "--store", _store);

        // Assert
        Assert.True(signed.Code == 0, signed.Output + signed.Error);
        Assert.True(signedPem.Code == 0, signedPem.Output + signedPem.Error);
        var openssl = await ExternalTool.RunAsync("openssl", $"cms -verify -binary -inform DER -in {file}.p7s -content {file} -CAfile {chain} -out /dev/null");
        Assert.True(openssl.Code == 0 && openssl.Output.Contains("Verification successful", StringComparison.Ordinal), openssl.Output);
        var opensslPem = await ExternalTool.RunAsync("openssl", $"cms -verify -binary -inform PEM -in {Dir}/doc.pem -content {file} -CAfile {chain} -out /dev/null");
        Assert.True(opensslPem.Code == 0, opensslPem.Output);
        var structure = await ExternalTool.RunAsync("openssl", $"cms -cmsout -print -inform DER -in {file}.p7s");
        Assert.Contains("sha256", structure.Output, StringComparison.Ordinal);
        Assert.Contains("eContent: <ABSENT>", structure.Output, StringComparison.Ordinal);
        Assert.True(verified.Code == 0, verified.Output + verified.Error);
        Assert.Contains($"Good signature by CN=", verified.Output, StringComparison.Ordinal);
        Assert.Contains($"serial {serial}", verified.Output, StringComparison.OrdinalIgnoreCase);
        Assert.True(verifiedPem.Code == 0, verifiedPem.Output + verifiedPem.Error);
    }

    [Fact]
    public async Task Verify_TamperedFile_ExitsRejected()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store, "EcdsaP256", EmailProtection);
        var file = await WriteDocumentAsync();
        var signed = await AgentAsync("sign", serial, file, "--pin", Pin, "--store", _store);
        Assert.True(signed.Code == 0, signed.Output + signed.Error);
        await File.AppendAllTextAsync(file, "one more line\n");

        // Act
        var verified = await AgentAsync("verify", file, file + ".p7s", "--store", _store);

        // Assert
        AssertRefused(verified, "does not verify");
    }

    [Fact]
    public async Task SignAndVerify_RsaKey_OpenSslAndTheAgentAcceptEachOthersSignatures()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store, "Rsa2048", EmailProtection);
        var file = await WriteDocumentAsync();
        var chain = await WriteServerChainAsync();
        var exported = await AgentAsync("export", serial, "--pfx", _pfx, "--pin", Pin, "--password", Password, "--store", _store);
        Assert.True(exported.Code == 0, exported.Output + exported.Error);
        await ExternalTool.RunAsync("openssl", $"pkcs12 -in {_pfx} -passin pass:\"{Password}\" -nodes -clcerts -out {Dir}/mine.pem");
        var opensslSigned = await ExternalTool.RunAsync("openssl", $"cms -sign -binary -md sha256 -outform DER -in {file} -signer {Dir}/mine.pem -out {Dir}/openssl.p7s");
        Assert.True(opensslSigned.Code == 0, opensslSigned.Output);

        // Act
        var verified = await AgentAsync("verify", file, $"{Dir}/openssl.p7s", "--store", _store);
        var signed = await AgentAsync("sign", serial, file, "--out", $"{Dir}/agent.p7s", "--pin", Pin, "--store", _store);

        // Assert
        Assert.True(verified.Code == 0, verified.Output + verified.Error);
        Assert.Contains($"serial {serial}", verified.Output, StringComparison.OrdinalIgnoreCase);
        Assert.True(signed.Code == 0, signed.Output + signed.Error);
        var openssl = await ExternalTool.RunAsync("openssl", $"cms -verify -binary -inform DER -in {Dir}/agent.p7s -content {file} -CAfile {chain} -out /dev/null");
        Assert.True(openssl.Code == 0 && openssl.Output.Contains("Verification successful", StringComparison.Ordinal), openssl.Output);
    }

    [Fact]
    public async Task Verify_OpenSslSignatureUnderAnotherRoot_ExitsRejected()
    {
        // Arrange
        await RequestAndCollectAsync(_store);
        var file = await WriteDocumentAsync();
        foreach (var step in new[]
        {
            $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {Dir}/other-root.key -out {Dir}/other-root.pem -subj /CN=Other-Root -days 2 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
            $"req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {Dir}/other.key -out {Dir}/other.csr -subj /CN=Other-Signer",
            $"x509 -req -in {Dir}/other.csr -CA {Dir}/other-root.pem -CAkey {Dir}/other-root.key -CAcreateserial -days 1 -out {Dir}/other.pem",
            $"cms -sign -binary -md sha256 -outform DER -in {file} -signer {Dir}/other.pem -inkey {Dir}/other.key -certfile {Dir}/other-root.pem -out {file}.p7s",
        })
        {
            var made = await ExternalTool.RunAsync("openssl", step);
            Assert.True(made.Code == 0, made.Output);
        }

        // Act
        var verified = await AgentAsync("verify", file, file + ".p7s", "--store", _store);

        // Assert
        AssertRefused(verified, "CN=Other-Signer", "does not chain to the root this store trusts");
    }

    [Fact]
    public async Task Reset_Yes_DeletesTheStoreAndListFindsNoMobileId()
    {
        // Arrange
        await RequestAndCollectAsync(_store);

        // Act
        var reset = await AgentAsync("reset", "--yes", "--store", _store);
        var listed = await AgentAsync("list", "--store", _store);

        // Assert
        Assert.True(reset.Code == 0, reset.Output + reset.Error);
        Assert.Contains("revokes nothing", reset.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(AgentStore.PathIn(_store)));
        Assert.Contains("No mobile ID in", listed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetOrExport_InputNotATerminalAndValueMissing_ExitUsageNamingTheOption()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var reset = await AgentProcessAsync("", "reset", "--store", _store);
        var noPin = await AgentProcessAsync("", "export", serial, "--pfx", _pfx, "--password", "correct-horse-battery", "--store", _store);
        var noPassword = await AgentProcessAsync(Pin + "\n", "export", serial, "--pfx", _pfx, "--store", _store);

        // Assert
        Assert.True(reset.Code == AgentProgram.UsageError, reset.Output);
        Assert.Contains("give --yes", reset.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(AgentStore.PathIn(_store)));
        Assert.True(noPin.Code == AgentProgram.UsageError, noPin.Output);
        Assert.Contains("--pin is needed", noPin.Output, StringComparison.Ordinal);
        Assert.True(noPassword.Code == AgentProgram.UsageError, noPassword.Output);
        Assert.Contains("--password is needed", noPassword.Output, StringComparison.Ordinal);
        await AssertNothingExportedAsync(pinTriesLeft: 10);
    }

    [Fact]
    public async Task ExportPfx_PinAndPasswordAsInputLines_WritesAFileThatOpenSslReads()
    {
        // Arrange
        var serial = await RequestAndCollectAsync(_store);

        // Act
        var exported = await AgentProcessAsync($"{Pin}\ncorrect-horse-battery\n", "export", serial, "--pfx", _pfx, "--store", _store);

        // Assert
        Assert.True(exported.Code == 0, exported.Output);
        var read = await ExternalTool.RunAsync("openssl", $"pkcs12 -in {_pfx} -passin pass:correct-horse-battery -nodes -out {Dir}/all.pem");
        Assert.True(read.Code == 0, read.Output);
        await AssertKeyMatchesCertificateAsync($"{Dir}/all.pem", serial);
    }

    [Fact]
    public async Task Usage_EveryCommandListed_UpdateChecksItsArgumentsAndUnlockNeedsAnUnlockableMobileId()
    {
        var help = await AgentAsync("help");
        var notAnId = await AgentAsync("update", "not-a-mobile-id", "--store", _store, "--pin", Pin);
        var emptyStore = await AgentAsync("update", "--store", _store, "--pin", Pin);
        var unlock = await AgentAsync("unlock", "--store", _store);

        Assert.Equal(AgentProgram.Ok, help.Code);
        foreach (var command in new[] { "collect", "list", "status", "export <serial> --pem", "export <serial> --pfx", "sign", "verify", "reset", "update [<mobile-id>]", "unlock" })
        {
            Assert.Contains(command, help.Output, StringComparison.Ordinal);
        }

        Assert.Equal(AgentProgram.UsageError, notAnId.Code);
        Assert.Contains("'not-a-mobile-id' is not a mobile ID", notAnId.Error, StringComparison.Ordinal);
        Assert.Equal(AgentProgram.Rejected, emptyStore.Code);
        Assert.Contains("No mobile ID", emptyStore.Error, StringComparison.Ordinal);
        Assert.Equal(AgentProgram.Rejected, unlock.Code);
        Assert.Contains("No mobile ID in this store can be unlocked", unlock.Error, StringComparison.Ordinal);
    }

    /// <summary><c>verify</c> said no (exit 3) for these reasons.</summary>
    private static void AssertRefused(AgentRun verified, params string[] reasons)
    {
        Assert.Equal(AgentProgram.Rejected, verified.Code);
        Assert.DoesNotContain("Good signature", verified.Output, StringComparison.Ordinal);
        foreach (var reason in reasons)
        {
            Assert.Contains(reason, verified.Error, StringComparison.Ordinal);
        }
    }

    /// <summary>No PKCS#12 file was written, and the store counts the PIN tries as expected.</summary>
    private async Task AssertNothingExportedAsync(int pinTriesLeft)
    {
        var status = await AgentAsync("status", "--store", _store);
        Assert.Contains($"; {pinTriesLeft} PIN tries left;", status.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(_pfx));
    }

    /// <summary>The private key in a PEM file is the one of the certificate with this serial there (<c>openssl pkey -pubout</c> against <c>openssl x509 -pubkey</c>).</summary>
    private async Task AssertKeyMatchesCertificateAsync(string pem, string serial)
    {
        var leaf = await AgentAsync("export", serial, "--pem", "--store", _store);
        await File.WriteAllTextAsync($"{Dir}/leaf.pem", leaf.Output);
        var fromCertificate = await ExternalTool.RunAsync("openssl", $"x509 -in {Dir}/leaf.pem -noout -pubkey");
        var fromKey = await ExternalTool.RunAsync("openssl", $"pkey -in {pem} -pubout");
        Assert.True(fromCertificate.Code == 0 && fromKey.Code == 0, fromCertificate.Output + fromKey.Output);
        Assert.Contains("BEGIN PUBLIC KEY", fromKey.Output, StringComparison.Ordinal);
        Assert.Equal(fromCertificate.Output.Split('\n', 2)[1], fromKey.Output.Split('\n', 2)[1]);
    }

    private static IEnumerable<string> PemBlocks(string text) =>
        Regex.Matches(text, "-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----").Select(m => m.Value.ReplaceLineEndings("\n"));

    private async Task<string> WriteDocumentAsync()
    {
        var file = Path.Combine(Dir, "contract.txt");
        await File.WriteAllTextAsync(file, $"I agree to the terms of {Guid.NewGuid()}.\n");
        return file;
    }

    private async Task<string> WriteServerChainAsync()
    {
        using var http = new HttpClient();
        var chain = Path.Combine(Dir, "chain.pem");
        await File.WriteAllTextAsync(chain, await http.GetStringAsync($"{Base}/pki/ca/MobileIdIssuingCA.pem"));
        return chain;
    }
}
