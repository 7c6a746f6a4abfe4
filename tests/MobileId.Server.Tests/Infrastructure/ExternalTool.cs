using System.Diagnostics;

namespace MobileId.Server.Tests.Infrastructure;

/// <summary>Runs a third-party client (openssl, curl …) with a timeout and returns its exit code and everything it printed.</summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static async Task<(int Code, string Output)> RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start; ./test.sh installs it.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"$ {file} {arguments}\ndid not finish within {Timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, $"$ {file} {arguments}\n{await stdout}{await stderr}");
    }
}
