using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Server.Features.MobileIds;

namespace MobileId.CollectBench;

/// <summary>Operations per second on one thread and on every core, measured while the server is idle.</summary>
public sealed record Rate(string Operation, double OneThread, double AllCores);

/// <summary>
/// The ceiling a collection is compared with: the raw signing rate of a key of the issuing CA's
/// algorithm, made and used through the server's own key store (<see cref="SoftwareKeyStore"/>,
/// the same <see cref="ISigningKey.SignData"/> path the server signs with), on an input of the size
/// of a certificate the run issued. Beside it, the two signatures every mobile ID costs the server
/// (the certificate, by the CA key; the package, by the content signing key, always EC P-256), and
/// the one-time code check (PBKDF2, <see cref="OneTimeCodes.HashIterations"/> iterations), a
/// deliberate security cost that is not signing.
/// </summary>
public static class SigningCeiling
{
    /// <summary>The issuing CA's key algorithm, read from its certificate as the server publishes it.</summary>
    public static async Task<KeyAlgorithm> IssuingAlgorithmAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var ca = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync(new Uri("/pki/ca/MobileIdIssuingCA.crt", UriKind.Relative), cancellationToken));
        using var key = (AsymmetricAlgorithm?)ca.GetECDsaPublicKey() ?? ca.GetRSAPublicKey();
        return (key is null ? null : KeyAlgorithms.Of(key)) ?? throw new InvalidOperationException($"The issuing CA's key ({ca.PublicKey.Oid.FriendlyName}) is not one MobileId uses.");
    }

    public static IReadOnlyList<Rate> Measure(KeyAlgorithm caAlgorithm, int inputBytes, TimeSpan duration)
    {
        var directory = Directory.CreateTempSubdirectory("mid-collect-sign-").FullName;
        try
        {
            var store = new SoftwareKeyStore(directory);
            using var caKey = store.Generate("ca", caAlgorithm);
            using var contentKey = store.Generate("content", KeyAlgorithm.EcdsaP256);
            var input = RandomNumberGenerator.GetBytes(inputBytes);
            var caHash = caAlgorithm.Hash();
            var (codeHash, codeSalt) = OneTimeCodes.Hash("12345678");
            return
            [
                Both($"raw SignData, CA key ({caAlgorithm}, {inputBytes}-byte input)", duration, () => caKey.SignData(input, caHash)),
                Both("certificate + package signature (the 2 signatures of one mobile ID)", duration, () =>
                {
                    caKey.SignData(input, caHash);
                    contentKey.SignData(input, HashAlgorithmName.SHA256);
                }),
                Both($"one-time code check (PBKDF2-HMAC-SHA256, {OneTimeCodes.HashIterations:N0} iterations)", duration,
                    () => OneTimeCodes.Matches("12345678", codeHash, codeSalt)),
            ];
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Rate Both(string operation, TimeSpan duration, Action action)
    {
        action();
        return new Rate(operation, PerSecond(1, duration, action), PerSecond(Environment.ProcessorCount, duration, action));
    }

    /// <summary>Runs the action on dedicated threads for the duration; operations per second over all of them.</summary>
    private static double PerSecond(int threads, TimeSpan duration, Action action)
    {
        var counts = new long[threads];
        using var start = new ManualResetEventSlim();
        var clock = new Stopwatch();
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.Wait();
            long n = 0;
            while (clock.Elapsed < duration)
            {
                action();
                n++;
            }

            counts[i] = n;
        })).ToList();
        workers.ForEach(t => t.Start());
        clock.Start();
        start.Set();
        workers.ForEach(t => t.Join());
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }
}
