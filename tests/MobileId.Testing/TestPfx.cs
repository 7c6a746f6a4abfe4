using Xunit;

namespace MobileId.Testing;

/// <summary>PKCS#12 files made by openssl, as an operator brings them.</summary>
public static class TestPfx
{
    /// <summary>A PKCS#12 file made by <c>openssl pkcs12 -export</c> with this password, and its certificate's subject.</summary>
    public static async Task<(byte[] Pfx, string Subject)> OpenSslPfxAsync(string password)
    {
        var dir = Directory.CreateTempSubdirectory("mid-console-pfx-").FullName;
        try
        {
            var subject = "CN=console-pfx-" + Guid.NewGuid().ToString("N")[..8];
            var made = await ExternalTool.RunAsync("openssl",
                $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {dir}/k.pem -out {dir}/c.pem -days 30 -subj /{subject}");
            Assert.True(made.Code == 0, made.Output);
            var export = await ExternalTool.RunAsync("openssl", $"pkcs12 -export -inkey {dir}/k.pem -in {dir}/c.pem -out {dir}/u.p12 -passout pass:{password}");
            Assert.True(export.Code == 0, export.Output);
            return (await File.ReadAllBytesAsync($"{dir}/u.p12"), subject);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
