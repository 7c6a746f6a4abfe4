using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Infrastructure;

namespace MobileId.Benchmarks;

/// <summary>
/// What a sign-in costs the server (PBKDF2-HMAC-SHA256 at the configured 600,000 iterations) and
/// what an API call's secret check costs (one SHA-256 and a constant-time compare).
/// </summary>
[MemoryDiagnoser]
public class PasswordBenchmarks
{
    private readonly PasswordHasher _hasher = new(Options.Create(new SecurityOptions()));
    private string _hash = "";
    private string _token = "";
    private byte[] _stored = [];

    [GlobalSetup]
    public void Setup()
    {
        _hash = _hasher.Hash("correct horse battery staple");
        var (token, stored) = ApiClientSecrets.Create(Guid.NewGuid());
        _token = token;
        _stored = stored;
    }

    [Benchmark(Description = "Password sign-in check (PBKDF2 600k)")]
    public bool VerifyPassword() => _hasher.Verify(_hash, "correct horse battery staple");

    [Benchmark(Description = "API client secret check")]
    public bool VerifySecret() =>
        ApiClientSecrets.TryParse(_token, out _, out var hash) && CryptographicOperations.FixedTimeEquals(hash, _stored);
}
