using System.ComponentModel;
using System.Diagnostics;
using Xunit;

namespace MobileId.Testing;

/// <summary>What a third-party tool printed; <see cref="ToString"/> goes into assertion messages.</summary>
public sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>stdout and stderr together (openssl prints "Response verify OK" on stderr).</summary>
    public string Output => StandardOutput + "\n" + StandardError;

    public void AssertSucceeded() => Assert.True(ExitCode == 0, ToString());

    public override string ToString() =>
        $"$ {Command}\n(exit code {ExitCode})\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>
/// Runs a third-party program (openssl, ocsptool, curl, scepclient, zbarimg, softhsm2-util, pkcs11-tool …)
/// with a timeout; ./test.sh installs them. Two ways to call it: a command line as one string, answered
/// with the exit code and everything printed after the command itself; or an argument list in a working
/// directory, answered with a <see cref="ToolResult"/>.
/// </summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments, as one command line.</param>
    public static Task<(int Code, string Output)> RunAsync(string file, string arguments) => RunWithInputAsync(file, arguments, null);

    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments, as one command line.</param>
    /// <param name="standardInput">When given, the program reads this and then the end of its input (it has no terminal).</param>
    public static async Task<(int Code, string Output)> RunWithInputAsync(string file, string arguments, string? standardInput)
    {
        var command = $"{file} {arguments}";
        var (code, stdout, stderr) = await RunProcessAsync(new ProcessStartInfo(file, arguments), command, standardInput);
        return (code, $"$ {command}\n{stdout}{stderr}");
    }

    /// <summary>Runs <paramref name="fileName"/> with this argument list in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ToolResult> RunAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var command = fileName + " " + string.Join(' ', arguments);
        var (code, stdout, stderr) = await RunProcessAsync(info, command, null);
        return new ToolResult(command, code, stdout, stderr);
    }

    /// <summary>Runs a tool and fails the test, with its output, unless it exits with 0.</summary>
    public static async Task<ToolResult> RunOkAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, fileName, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static async Task<(int Code, string StandardOutput, string StandardError)> RunProcessAsync(
        ProcessStartInfo info, string command, string? standardInput)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = standardInput is not null;
        info.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start; ./test.sh installs it.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{info.FileName} is not installed; ./test.sh installs it.", ex);
        }

        using (process)
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput);
                process.StandardInput.Close();
            }

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

            return (process.ExitCode, await stdout, await stderr);
        }
    }
}
