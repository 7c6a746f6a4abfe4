using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace MobileId.Server.Tests.Commands;

/// <summary>
/// The built server started as a user starts it (PRODUCT.md §13): <c>dotnet MobileId.Server.dll</c> in an
/// empty working directory, with its defaults (SQLite under ./data, http://127.0.0.1:5080) or with --urls.
/// </summary>
public sealed partial class ServerProcessTests
{
    private const int DefaultPort = 5080;

    [Fact]
    public async Task Start_NoArguments_ServesOnTheDefaultAddressWithDataInTheWorkingDirectory()
    {
        // Arrange
        if (!IsPortFree(DefaultPort))
        {
            Assert.Fail($"Port {DefaultPort} on 127.0.0.1 is already in use by another program, so the server's default address cannot be tested. " +
                $"Stop whatever listens there (see `ss -ltnp 'sport = :{DefaultPort}'`) and run the test again.");
        }

        await using var server = ServerProcess.Start([]);
        var address = $"http://127.0.0.1:{DefaultPort}";

        // Act
        await server.WaitUntilReadyAsync(address);

        // Assert
        var output = await server.WaitForOutputAsync("API documentation:");
        Assert.Contains("first administrator created", output, StringComparison.Ordinal);
        Assert.Contains("logon:    admin", output, StringComparison.Ordinal);
        var password = PasswordLine().Match(output);
        Assert.True(password.Success, $"No password in the server's output:\n{output}");
        Assert.Contains($"{address}/api/v1/auth/sign-in", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(server.WorkingDirectory, "data", "mobileid.db")),
            $"No ./data/mobileid.db in the working directory {server.WorkingDirectory}.");

        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var signIn = await http.PostAsJsonAsync("/api/v1/auth/sign-in", new { logonName = "admin", password = password.Groups[1].Value });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(signIn);
        Assert.Equal("admin", body.GetProperty("logonName").GetString());
        Assert.True(body.GetProperty("mustChangePassword").GetBoolean());
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("MobileId.Session=", StringComparison.Ordinal));

        var wrong = await http.PostAsJsonAsync("/api/v1/auth/sign-in", new { logonName = "admin", password = password.Groups[1].Value + "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Start_UrlsArgument_ListensThereInstead()
    {
        // Arrange
        var port = LoopbackPorts.Free();
        var address = $"http://127.0.0.1:{port}";
        await using var server = ServerProcess.Start(["--urls", address]);

        // Act
        await server.WaitUntilReadyAsync(address);

        // Assert
        var output = await server.WaitForOutputAsync("API documentation:");
        Assert.Contains($"{address}/api/v1/auth/sign-in", output, StringComparison.Ordinal);
        Assert.DoesNotContain($":{DefaultPort}/", output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.True(File.Exists(Path.Combine(server.WorkingDirectory, "data", "mobileid.db")));
    }

    [Fact]
    public async Task Start_UnknownCommand_Exits2WithUsageInsteadOfServing()
    {
        // Arrange
        var port = LoopbackPorts.Free();
        await using var server = ServerProcess.Start(["frobnicate", "--urls", $"http://127.0.0.1:{port}"]);

        // Act
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // Assert
        Assert.True(exitCode == 2, $"Expected exit code 2, got {(exitCode is null ? "no exit (the server is serving)" : exitCode)}:\n{server.Output}");
        Assert.Contains("Unknown command 'frobnicate'", server.Output, StringComparison.Ordinal);
        Assert.Contains("Usage:", server.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.WorkingDirectory, "data")), "An unknown command must not create the data directory.");
    }

    [Fact]
    public async Task Start_ConfigurationBeforeTheCommand_RunsTheCommand()
    {
        // Arrange
        var port = LoopbackPorts.Free();
        await using var server = ServerProcess.Start(["--MobileId:DataDirectory", "store", "--urls", $"http://127.0.0.1:{port}", "init"]);

        // Act
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(90));

        // Assert
        Assert.True(exitCode == 0, $"Expected init to exit 0, got {(exitCode is null ? "no exit (the server is serving)" : exitCode)}:\n{server.Output}");
        Assert.Contains("MobileId is initialised.", server.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(server.WorkingDirectory, "store", "mobileid.db")));
    }

    [Fact]
    public async Task Start_DatabaseFromAnotherSchemaHistory_Exits1SayingSoAndChangesNothing()
    {
        // Arrange: a database made by this version, then marked with a migration it does not know.
        var data = Directory.CreateTempSubdirectory("mid-foreign-").FullName;
        var init = await CommandLine.RunAsync("init", $"--MobileId:DataDirectory={data}");
        Assert.True(init.ExitCode == 0, init.Output + init.Error);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "mobileid.db")};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO __EFMigrationsHistory (MigrationId, ProductVersion) VALUES ('20990101000000_FromTheFuture', '10.0.0')";
            await insert.ExecuteNonQueryAsync();
        }

        var port = LoopbackPorts.Free();
        await using var server = ServerProcess.Start(["--MobileId:DataDirectory", data, "--urls", $"http://127.0.0.1:{port}"]);

        // Act
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.True(exitCode == 1, $"Expected exit code 1, got {(exitCode is null ? "no exit (the server is serving)" : exitCode)}:\n{server.Output}");
        Assert.Contains("MobileId could not start: The database has schema migration 20990101000000_FromTheFuture", server.Output, StringComparison.Ordinal);
        Assert.True(IsPortFree(port));
        Directory.Delete(data, recursive: true);
    }

    private static bool IsPortFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\s*password:\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();

    /// <summary>
    /// <c>dotnet MobileId.Server.dll ARGS</c> in a new empty working directory, its output collected.
    /// Disposing kills it (with any children) and removes the directory.
    /// </summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        // Note: a cold start takes ~7 s on two idle cores, but a loaded CI machine has been seen to need 40 s.
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ServerProcess(Process process, string workingDirectory)
        {
            _process = process;
            WorkingDirectory = workingDirectory;
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

        public static ServerProcess Start(string[] args)
        {
            var server = Path.Combine(AppContext.BaseDirectory, "MobileId.Server.dll");
            Assert.True(File.Exists(server), $"The built server is not next to the tests: {server}");
            var directory = Path.Combine(Path.GetTempPath(), "mobileid-process-" + Guid.NewGuid().ToString("N")[..12]);
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
            var result = new ServerProcess(process, directory);
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
                    Directory.Delete(WorkingDirectory, recursive: true);
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
}
