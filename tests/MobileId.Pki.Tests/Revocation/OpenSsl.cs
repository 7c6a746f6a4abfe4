using System.Diagnostics;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>Runs Debian's <c>openssl</c> (the third-party client the CRLs must satisfy) with a timeout.</summary>
internal static class OpenSsl
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static async Task<ToolResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var command = "openssl " + string.Join(' ', arguments);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start: {command}");
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
            throw new TimeoutException($"{command} did not finish within {Timeout.TotalSeconds} s.\n{await stdout}\n{await stderr}");
        }

        return new ToolResult(command, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs openssl and fails the test, showing everything it printed, unless it exits with 0.</summary>
    public static async Task<ToolResult> RunOkAsync(string workingDirectory, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
