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
        Assert.Contains($"in the console: {address}/console", output, StringComparison.Ordinal);
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
}
