using System.ComponentModel;
using System.Diagnostics;

namespace MobileId.Pki.Tests;

/// <summary>What a third-party tool printed; <see cref="ToString"/> goes into assertion messages.</summary>
public sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>stdout and stderr together (openssl prints "Response verify OK" on stderr).</summary>
    public string Output => StandardOutput + "\n" + StandardError;

    public void AssertSucceeded() => Assert.True(ExitCode == 0, ToString());

    public override string ToString() =>
        $"$ {Command}\n(exit code {ExitCode})\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs a third-party tool (openssl, ocsptool, softhsm2-util, pkcs11-tool) with a timeout; ./test.sh installs them.</summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static async Task<ToolResult> RunAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var command = fileName + " " + string.Join(' ', arguments);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{fileName} is not installed; ./test.sh installs it (Debian packages openssl, gnutls-bin).", ex);
        }

        using (process)
        {
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
                Assert.Fail($"$ {command}\ndid not finish within {Timeout.TotalSeconds} s.");
            }

            return new ToolResult(command, process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Runs a tool and fails the test, with its output, unless it exits with 0.</summary>
    public static async Task<ToolResult> RunOkAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, fileName, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
