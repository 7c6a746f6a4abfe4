using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MobileId.Agent;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>
/// The agent's store on its own: a version-1 store (the PIN key was the data key) opens with its PIN
/// and is rewritten as version 2; at the PIN try limit a store with an unlockable mobile ID is
/// blocked, keeping its keys, and its unlock key opens it again; any other store is wiped.
/// </summary>
public sealed class AgentStoreTests : IDisposable
{
    private const string Pin = "246810";
    private readonly string _dir = Directory.CreateTempSubdirectory("mid-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Open_VersionOneStore_RewrittenAsVersionTwoAndItsKeysDecrypt()
    {
        // Arrange
        var pkcs8 = RandomNumberGenerator.GetBytes(48);
        WriteVersionOne(pkcs8, "0A1B2C");

        // Act
        var opened = AgentStore.Open(_dir, Pin);
        var key = opened.PrivateKey(opened.Contents.Identities[0].Certificates[0]);
        var rewritten = JsonNode.Parse(File.ReadAllText(AgentStore.PathIn(_dir)))!;
        var again = AgentStore.Open(_dir, Pin);
        var wrong = Assert.Throws<PinException>(() => AgentStore.Open(_dir, "999999"));

        // Assert
        Assert.Equal(pkcs8, key);
        Assert.Equal(2, rewritten["version"]!.GetValue<int>());
        Assert.Null(rewritten["verifier"]);
        Assert.NotNull(rewritten["pinWrap"]);
        Assert.Equal(pkcs8, again.PrivateKey(again.Contents.Identities[0].Certificates[0]));
        Assert.Contains("9 tries left before the store is wiped", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PinLimitWithAnUnlockableMobileId_BlockedThenTheUnlockKeyOpensItWithANewPin()
    {
        // Arrange
        var store = AgentStore.Open(_dir, Pin);
        var stored = store.Protect(0, "System Store", "IssueNew", "0A1B2C", [1, 2, 3], [9, 8, 7]);
        store.Contents.Identities.Add(new StoredIdentity(Guid.NewGuid(), "http://127.0.0.1/device/v1/", "phone", "holder", DateTime.UtcNow, [stored], [], [])
            { UnlockToken = "token" });
        var unlockKey = store.UnlockKey();
        store.Contents.MaxPinTries = 2;
        store.Save();

        // Act
        var first = Assert.Throws<PinException>(() => AgentStore.Open(_dir, "000000"));
        var second = Assert.Throws<PinException>(() => AgentStore.Open(_dir, "000000"));
        var rightPinWhileBlocked = Assert.Throws<PinException>(() => AgentStore.Open(_dir, Pin));
        var unlocked = AgentStore.OpenWithUnlockKey(_dir, unlockKey);
        unlocked.SetPin("135792");
        var reopened = AgentStore.Open(_dir, "135792");

        // Assert
        Assert.Contains("before the store is blocked", first.Message, StringComparison.Ordinal);
        Assert.Contains("the store is blocked", second.Message, StringComparison.Ordinal);
        Assert.Contains("mobileid-agent unlock", rightPinWhileBlocked.Message, StringComparison.Ordinal);
        Assert.False(AgentStore.Peek(_dir)!.Blocked);
        Assert.Equal([9, 8, 7], reopened.PrivateKey(reopened.Contents.Identities[0].Certificates[0]));
        Assert.Equal(0, reopened.Contents.FailedPins);
        Assert.Throws<CryptographicException>(() => AgentStore.OpenWithUnlockKey(_dir, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public void Open_PinLimitWithoutAnUnlockableMobileId_Wiped()
    {
        // Arrange
        var store = AgentStore.Open(_dir, Pin);
        store.UnlockKey();
        store.Contents.MaxPinTries = 1;
        store.Save();

        // Act
        var wiped = Assert.Throws<PinException>(() => AgentStore.Open(_dir, "000000"));

        // Assert
        Assert.Contains("the store was wiped", wiped.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(AgentStore.PathIn(_dir)));
    }

    /// <summary>A store as version 1 wrote it: a PIN verifier, and a key encrypted under the PIN key with the serial as associated data.</summary>
    private void WriteVersionOne(byte[] pkcs8, string serial)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        const int iterations = 1000;
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Pin), salt, iterations, HashAlgorithmName.SHA256, 32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[pkcs8.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(key, 16))
        {
            aes.Encrypt(nonce, pkcs8, ciphertext, tag, Encoding.ASCII.GetBytes(serial));
        }

        var file = new JsonObject
        {
            ["version"] = 1, ["salt"] = Convert.ToBase64String(salt), ["iterations"] = iterations,
            ["verifier"] = Convert.ToBase64String(HMACSHA256.HashData(key, "mobileid-agent PIN check"u8)), ["failedPins"] = 0, ["maxPinTries"] = 10,
            ["identities"] = new JsonArray(new JsonObject
            {
                ["mobileId"] = Guid.NewGuid(), ["server"] = "http://127.0.0.1/device/v1/", ["profile"] = "phone", ["holder"] = "holder",
                ["collectedAt"] = DateTime.UtcNow, ["chain"] = new JsonArray(), ["skipped"] = new JsonArray(),
                ["certificates"] = new JsonArray(new JsonObject
                {
                    ["slot"] = 0, ["container"] = "System Store", ["mode"] = "IssueNew", ["serialNumber"] = serial, ["certificate"] = "AQID",
                    ["keyNonce"] = Convert.ToBase64String(nonce), ["keyCiphertext"] = Convert.ToBase64String(ciphertext), ["keyTag"] = Convert.ToBase64String(tag),
                }),
            }),
        };
        File.WriteAllText(AgentStore.PathIn(_dir), file.ToJsonString());
    }
}
