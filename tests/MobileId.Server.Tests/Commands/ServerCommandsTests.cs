using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace MobileId.Server.Tests.Commands;

/// <summary>
/// The server's command line (PRODUCT.md §13), run in-process on a data directory of its own per test,
/// with SQLite in its default place there (DATA/mobileid.db).
/// </summary>
public sealed partial class ServerCommandsTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    private string DataDirectory => $"--MobileId:DataDirectory={_database.Directory}";

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Init_EmptyDirectory_PrintsAdministratorLogonAndPassword()
    {
        // Arrange
        Assert.Empty(Directory.EnumerateFileSystemEntries(_database.Directory));

        // Act
        var result = await CommandLine.RunAsync("init", DataDirectory);

        // Assert
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("logon:    admin", result.Output, StringComparison.Ordinal);
        var password = PasswordLine().Match(result.Output);
        Assert.True(password.Success, result.Output);
        Assert.True(password.Groups[1].Value.Length >= 12, $"A short generated password: {password.Groups[1].Value}");
        Assert.Contains("MobileId is initialised.", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing to create", result.Output, StringComparison.Ordinal);
        Assert.Single(PasswordLine().Matches(result.Output));
        Assert.True(File.Exists(Path.Combine(_database.Directory, "mobileid.db")));
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM people WHERE \"LogonName\" = 'admin'"));
    }

    [Fact]
    public async Task Init_SecondRun_PrintsNoPasswordAndChangesNothing()
    {
        // Arrange
        var first = await CommandLine.RunAsync("init", DataDirectory);
        Assert.True(first.ExitCode == 0, first.Error);
        var people = await ScalarAsync("SELECT COUNT(*) FROM people");
        var roles = await ScalarAsync("SELECT COUNT(*) FROM roles");
        var audit = await ScalarAsync("SELECT COUNT(*) FROM audit_records");

        // Act
        var second = await CommandLine.RunAsync("init", DataDirectory);

        // Assert
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("nothing to create", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("password:", second.Output, StringComparison.Ordinal);
        Assert.Equal(people, await ScalarAsync("SELECT COUNT(*) FROM people"));
        Assert.Equal(roles, await ScalarAsync("SELECT COUNT(*) FROM roles"));
        Assert.Equal(audit, await ScalarAsync("SELECT COUNT(*) FROM audit_records"));
    }

    [Fact]
    public async Task ApiClientCreate_HelpdeskRole_PrintsSecretThatAuthenticates()
    {
        // Act
        var result = await CommandLine.RunAsync("admin", "api-client", "create", "--name", "ci", "--role", "Helpdesk", DataDirectory);

        // Assert
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("API client 'ci' created: role Helpdesk", result.Output, StringComparison.Ordinal);
        var secret = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Assert.StartsWith("mid_", secret, StringComparison.Ordinal);

        await using var app = new MobileIdApp(_database);
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var people = await client.GetAsync("/api/v1/people");
        Assert.Equal(HttpStatusCode.OK, people.StatusCode);
        var me = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/api/v1/me"));
        Assert.Equal("ci", me.GetProperty("name").GetString());

        // The same request with a secret one character off is refused: the 200 above was the secret's doing.
        using var forged = app.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/v1/people")).StatusCode);
    }

    [Fact]
    public async Task ApiClientCreate_UnknownRole_Exits1NamingTheRole()
    {
        // Act
        var result = await CommandLine.RunAsync("admin", "api-client", "create", "--name", "ci", "--role", "Janitor", DataDirectory);

        // Assert
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Role 'Janitor' does not exist", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("mid_", result.Output, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM api_clients"));
    }

    [Fact]
    public async Task ApiClientCreate_MissingName_Exits2()
    {
        // Act
        var result = await CommandLine.RunAsync("admin", "api-client", "create", "--role", "Helpdesk", DataDirectory);

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--name", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("mid_", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCommand_Exits2AndPrintsUsage()
    {
        // Act
        var result = await CommandLine.RunAsync("frobnicate", DataDirectory);

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown command 'frobnicate'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.Error, StringComparison.Ordinal);
        Assert.Contains("audit verify", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_database.Directory, "mobileid.db")), "An unknown command must not touch the database.");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Run_Help_Exits0AndPrintsUsage(string help)
    {
        // Act
        var result = await CommandLine.RunAsync(help);

        // Assert
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Theory]
    [InlineData(true, "init")]
    [InlineData(true, "audit", "verify")]
    [InlineData(true, "frobnicate")]
    [InlineData(true, "--MobileId:DataDirectory", "data2", "init")]
    [InlineData(true, "--MobileId:DataDirectory=data2", "audit", "verify")]
    [InlineData(true, "--urls", "http://127.0.0.1:5081", "import", "people", "people.csv")]
    [InlineData(true, "--help")]
    [InlineData(false)]
    [InlineData(false, "--urls", "http://127.0.0.1:5081")]
    [InlineData(false, "--urls=http://127.0.0.1:5081", "--MobileId:DataDirectory", "data2")]
    [InlineData(false, "/urls", "http://127.0.0.1:5081")]
    [InlineData(false, "urls=http://127.0.0.1:5081")]
    public void IsCommand_Arguments_TellACommandFromServing(bool expected, params string[] args)
    {
        // Act
        var isCommand = MobileId.Server.Commands.ServerCommands.IsCommand(args);

        // Assert
        Assert.Equal(expected, isCommand);
    }

    [Fact]
    public async Task Init_ConfigurationBeforeTheCommand_RunsInit()
    {
        // Act
        var result = await CommandLine.RunAsync(DataDirectory, "init");

        // Assert
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("MobileId is initialised.", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_database.Directory, "mobileid.db")));
    }

    [Fact]
    public async Task ImportPeople_GoodFile_Exits0AndThePeopleExist()
    {
        // Arrange
        var file = await WriteCsvAsync("""
            logonName,firstName,lastName,email,group
            alice.import,Alice,Import,alice@example.com,Sales
            bob.import,Bob,Import,bob@example.com,Sales
            carol.import,Carol,Import,,
            """);

        // Act
        var result = await CommandLine.RunAsync("import", "people", file, DataDirectory);

        // Assert
        Assert.True(result.ExitCode == 0, result.Error);
        var read = result.Output.IndexOf("Read 3 rows; checking them", StringComparison.Ordinal);
        var writing = result.Output.IndexOf("All 3 rows are valid; writing them in one transaction.", StringComparison.Ordinal);
        var done = result.Output.IndexOf("3 rows, 3 created", StringComparison.Ordinal);
        Assert.True(read >= 0 && writing > read && done > writing, "progress, then the summary, in order:\n" + result.Output);
        Assert.Equal(["alice.import", "bob.import", "carol.import"], await LogonsAsync(".import"));
        Assert.Equal("alice@example.com", await ScalarTextAsync("SELECT \"Email\" FROM people WHERE \"LogonName\" = 'alice.import'"));
        Assert.Equal("Sales", await ScalarTextAsync(
            "SELECT g.\"Name\" FROM people p JOIN groups g ON g.\"Id\" = p.\"GroupId\" WHERE p.\"LogonName\" = 'bob.import'"));
    }

    [Fact]
    public async Task ImportPeople_TwoBadRowsAmongGoodRows_Exits1ListsEachLineAndWritesNobody()
    {
        // Arrange: lines 3 and 5 are bad; the header is line 1.
        var file = await WriteCsvAsync("""
            logonName,firstName,lastName,email
            dave.import,Dave,Import,dave@example.com
            erin.import,Erin,Import,not-an-email
            frank.import,Frank,Import,frank@example.com
            ,Nobody,Import,nobody@example.com
            grace.import,Grace,Import,grace@example.com
            """);

        // Act
        var result = await CommandLine.RunAsync("import", "people", file, DataDirectory);

        // Assert
        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("2 of 5 rows were rejected", result.Error, StringComparison.Ordinal);
        var line3 = Assert.Single(lines, l => l.StartsWith("line 3", StringComparison.Ordinal));
        Assert.Contains("erin.import", line3, StringComparison.Ordinal);
        Assert.Contains("not-an-email", line3, StringComparison.Ordinal);
        Assert.Contains("not a valid email address", line3, StringComparison.Ordinal);
        var line5 = Assert.Single(lines, l => l.StartsWith("line 5", StringComparison.Ordinal));
        Assert.Contains("Logon name is required", line5, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("line 2", StringComparison.Ordinal) || l.StartsWith("line 4", StringComparison.Ordinal)
            || l.StartsWith("line 6", StringComparison.Ordinal));
        Assert.Empty(await LogonsAsync(".import"));
    }

    [Fact]
    public async Task ImportPeople_FileMissing_Exits2NamingTheFile()
    {
        // Arrange
        var file = Path.Combine(_database.Directory, "absent.csv");

        // Act
        var result = await CommandLine.RunAsync("import", "people", file, DataDirectory);

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(file, result.Error, StringComparison.Ordinal);
    }

    private async Task<string> WriteCsvAsync(string content)
    {
        var file = Path.Combine(_database.Directory, "people-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        await File.WriteAllTextAsync(file, content + "\n");
        return file;
    }

    private async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await QueryAsync(sql), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string?> ScalarTextAsync(string sql) => (string?)await QueryAsync(sql);

    private async Task<object?> QueryAsync(string sql)
    {
        await using var connection = new SqliteConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<List<string>> LogonsAsync(string endingWith)
    {
        await using var connection = new SqliteConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"LogonName\" FROM people WHERE \"LogonName\" LIKE $pattern ORDER BY \"LogonName\"";
        command.Parameters.AddWithValue("$pattern", "%" + endingWith);
        var logons = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            logons.Add(reader.GetString(0));
        }

        return logons;
    }

    [GeneratedRegex(@"^\s*password:\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();
}
