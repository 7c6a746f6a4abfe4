using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Agent.Commands;

/// <summary><c>export &lt;serial&gt; --pem [--chain]</c> and <c>export &lt;serial&gt; --pfx &lt;file&gt;</c>.</summary>
internal static class ExportCommand
{
    /// <summary>Prints the certificate as PEM, with its CA chain after it when asked.</summary>
    public static async Task<int> PemAsync(string store, string serial, bool withChain, TextWriter output)
    {
        var held = HeldCertificate.Find(store, serial);
        foreach (var der in withChain ? [held.Certificate, .. held.Chain] : new List<byte[]> { held.Certificate })
        {
            await output.WriteAsync(PemEncoding.WriteString("CERTIFICATE", der) + "\n");
        }

        return Program.Ok;
    }

    /// <summary>
    /// Writes a PKCS#12 file with the certificate, its private key (decrypted with the PIN) and
    /// the CA chain, under a password of at least <see cref="KeyPackages.MinimumPkcs12PasswordLength"/>
    /// characters (PBES2: AES-256-CBC, PBKDF2-HMAC-SHA256; HMAC-SHA256 MAC), as the server's.
    /// </summary>
    public static async Task<int> PfxAsync(string store, string serial, string file, Dictionary<string, List<string>> options, TextWriter output)
    {
        var held = HeldCertificate.Find(store, serial);
        var password = options.GetValueOrDefault("password")?.LastOrDefault();
        if (password is not null)
        {
            CheckPassword(password);
        }

        using var key = held.OpenKey(store, options, "there is no key to export; `export --pem` gives the certificate");
        password ??= CheckPassword(Terminal.NewPassword("password", "Password for the PKCS#12 file: "));
        var chain = held.Chain;
        await Files.WriteAsync(file, KeyPackages.Pkcs12(held.Certificate, key, chain, password), isPrivate: true);
        await output.WriteLineAsync($"Wrote {file}: certificate {held.Stored.SerialNumber}, its private key and {chain.Count} CA certificate(s), protected by the password.");
        return Program.Ok;
    }

    private static string CheckPassword(string password) =>
        KeyPackages.Pkcs12PasswordProblem(password) is { } problem ? throw new UsageException(problem) : password;
}
