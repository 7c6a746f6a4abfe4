using System.Diagnostics;
using System.Text;

namespace MobileId.Testing;

/// <summary>
/// <c>dotnet MobileId.Server.dll ARGS</c> in a new empty working directory (or a given one), its
/// output collected. Disposing kills it (with any children) and removes the directory it made.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    // Note: a cold start takes ~7 s on two idle cores, but a loaded CI machine has been seen to need 40 s.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private readonly bool _ownsDirectory;

    private ServerProcess(Process process, string workingDirectory, bool ownsDirectory)
    {
        _process = process;
        WorkingDirectory = workingDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public string WorkingDirectory { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="workingDirectory">Run there (kept on dispose) instead of in a new temp directory.</param>
    public static ServerProcess Start(string[] args, string? workingDirectory = null)
    {
        var server = Path.Combine(AppContext.BaseDirectory, "MobileId.Server.dll");
        Assert.True(File.Exists(server), $"The built server is not next to the tests: {server}");
        var directory = workingDirectory ?? Path.Combine(Path.GetTempPath(), "mobileid-process-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(server);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Note: the server must run on its defaults, so nothing of the test environment may configure it.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MobileId", StringComparison.OrdinalIgnoreCase) ||
                key is "ASPNETCORE_URLS" or "DOTNET_URLS" or "ASPNETCORE_HTTP_PORTS" or "ASPNETCORE_HTTPS_PORTS" or "DOTNET_HTTP_PORTS"
                    or "DOTNET_HTTPS_PORTS" or "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(key);
            }
        }

        var process = new Process { StartInfo = start };
        var result = new ServerProcess(process, directory, workingDirectory is null);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Polls GET /health/ready until it answers 200; fails with the server's output if it exits or takes too long.</summary>
    public async Task WaitUntilReadyAsync(string address)
    {
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"The server exited with code {_process.ExitCode} before it was ready. Its output:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(250);
        }

        Assert.Fail($"{address}/health/ready did not answer 200 within {StartTimeout.TotalSeconds} s. The server's output:\n{Output}");
    }

    /// <summary>The exit code, or null if the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits a little for output the server has written but the pipe not yet delivered.</summary>
    public async Task<string> WaitForOutputAsync(string text)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        return Output;
    }

    /// <summary>Kills the server at once (SIGKILL, no graceful shutdown), as a crash or a pulled plug would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            _process.Dispose();
            try
            {
                if (_ownsDirectory)
                {
                    Directory.Delete(WorkingDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
                // A file still held open; the temp directory is cleaned by the OS.
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The dotnet host running these tests, so the server runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
