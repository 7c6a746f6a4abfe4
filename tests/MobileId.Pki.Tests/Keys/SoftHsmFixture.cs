using System.Diagnostics;
using System.Runtime.InteropServices;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Keys;

/// <summary>
/// A private SoftHSM2 installation for the PKCS#11 tests: its own token directory and
/// configuration, two fresh tokens, and one store that stays logged in.
/// </summary>
/// <remarks>
/// Note: SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize, and a process loads the module once;
/// every test that touches the module therefore belongs to <see cref="SoftHsmCollection"/>.
/// </remarks>
public sealed class SoftHsmFixture : IDisposable
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    public const string TokenLabel = "mobileid-test";
    public const string UserPin = "5678";
    public const string SoPin = "1234";

    /// <summary>A second token nobody logs in to, so that a wrong PIN is really checked (a logged-in token accepts any login).</summary>
    public const string PinTokenLabel = "mobileid-pin";

    public SoftHsmFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mid-softhsm-" + Guid.NewGuid().ToString("N")[..10]);
        var tokens = Path.Combine(Directory, "tokens");
        System.IO.Directory.CreateDirectory(tokens);
        ConfigPath = Path.Combine(Directory, "softhsm2.conf");
        File.WriteAllText(ConfigPath, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        // Note: on Unix, Environment.SetEnvironmentVariable only changes .NET's copy of the
        // environment (which child processes inherit); the module calls getenv, so libc's must change too.
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", ConfigPath);
        if (setenv("SOFTHSM2_CONF", ConfigPath, 1) != 0)
        {
            throw new InvalidOperationException($"setenv failed: {Marshal.GetLastPInvokeError()}");
        }

        foreach (var label in new[] { TokenLabel, PinTokenLabel })
        {
            Run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin).AssertSucceeded();
        }

        Store = new Pkcs11KeyStore(Options(), UserPin);
    }

    /// <summary>The temp directory holding the configuration and the token files.</summary>
    public string Directory { get; }

    public string ConfigPath { get; }

    /// <summary>A store on <see cref="TokenLabel"/>, logged in for the whole run.</summary>
    public Pkcs11KeyStore Store { get; }

    public static Pkcs11KeyStoreOptions Options(string tokenLabel = TokenLabel) => new() { LibraryPath = Module, TokenLabel = tokenLabel };

    /// <summary>Runs a tool with this fixture's SoftHSM2 configuration.</summary>
    public ToolResult Run(string fileName, params string[] arguments)
    {
        // Note: SOFTHSM2_CONF is in this process's environment (set above), so the tool inherits it.
        return ExternalTool.RunAsync(Directory, fileName, arguments).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}

[CollectionDefinition(Name)]
public sealed class SoftHsmCollection : ICollectionFixture<SoftHsmFixture>
{
    public const string Name = "SoftHSM2";
}
