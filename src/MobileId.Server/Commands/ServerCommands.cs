using MobileId.Server.Hosting;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Commands;

/// <summary>
/// The server's command line (PRODUCT.md §13): <c>init</c>, <c>admin api-client create</c>,
/// <c>audit verify</c>, <c>import people FILE.csv</c>. Exit codes: 0 done, 1 failed, 2 usage.
/// Options in <c>--Key=value</c> or <c>--Key value</c> form that are not the command's own are
/// configuration, as for the server (for example <c>--MobileId:Database:Provider=PostgreSql</c>).
/// </summary>
public static class ServerCommands
{
    private const string Usage = """
        Usage: MobileId.Server [command] [configuration options]

        Without a command the server starts and serves.

        Commands:
          init                                   Create or upgrade the database, the CA and the first administrator.
          admin api-client create --name N --role R [--scope Self|Department|DepartmentAndBelow|All] [--person LOGON]
                                                 Create an API client and print its secret (shown once).
          audit verify                           Check the audit hash chain; exit 0 when intact, 1 naming the first bad record.
          import people FILE.csv                 Import people from CSV; all rows or none, with a report of rejected rows.
        """;

    /// <summary>
    /// True when the arguments name a command, known or not, anywhere after configuration options
    /// (<c>--Key value</c>, <c>--Key=value</c>, <c>/Key value</c>, <c>Key=value</c>). An unknown word is a
    /// command too, so that a mistyped command is reported (exit 2) instead of starting the server.
    /// </summary>
    public static bool IsCommand(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h")
            {
                return true;
            }

            if (args[i].StartsWith('-') || args[i].StartsWith('/'))
            {
                if (!args[i].Contains('=', StringComparison.Ordinal))
                {
                    i++;
                }
            }
            else if (!args[i].Contains('=', StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var words = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var configuration = new List<string>();
        var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "--name", "--role", "--scope", "--person" };
        for (var i = 0; i < args.Length; i++)
        {
            if (own.Contains(args[i]))
            {
                if (i + 1 >= args.Length)
                {
                    await error.WriteLineAsync($"{args[i]} needs a value.");
                    return 2;
                }

                options[args[i]] = args[++i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i] != "--help")
            {
                configuration.Add(args[i]);
                if (!args[i].Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    configuration.Add(args[++i]);
                }
            }
            else
            {
                words.Add(args[i]);
            }
        }

        var command = string.Join(' ', words.Take(2));
        switch (words.FirstOrDefault())
        {
            case "init" when words.Count == 1:
                return await WithServicesAsync(configuration, output, initFirst: false, services => InitAsync(services, output));
            case "admin" when words.Count == 3 && command == "admin api-client" && words[2] == "create":
                return await WithServicesAsync(configuration, output, initFirst: true, services => CreateApiClientAsync(services, options, output, error));
            case "audit" when words.Count == 2 && words[1] == "verify":
                return await WithServicesAsync(configuration, output, initFirst: true, services => VerifyAuditAsync(services, output, error));
            case "import" when words.Count == 3 && words[1] == "people":
                return await WithServicesAsync(configuration, output, initFirst: true, services => ImportPeopleAsync(services, words[2], output, error));
            case "help" or "--help" or "-h":
                await output.WriteLineAsync(Usage);
                return 0;
            default:
                await error.WriteLineAsync($"Unknown command '{string.Join(' ', words)}'.");
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }

    private static async Task<int> WithServicesAsync(List<string> configuration, TextWriter output, bool initFirst, Func<IServiceProvider, Task<int>> run)
    {
        var builder = MobileIdServer.CreateBuilder([.. configuration]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<AuditTrail>().SourceOverride = "cli@" + Environment.MachineName;
        // Note: the init command runs InitService itself; `run` is a lambda, so its method name cannot tell.
        if (initFirst)
        {
            // Every command works on a fresh data directory: init first (idempotent).
            var result = await services.GetRequiredService<InitService>().RunAsync(output, CancellationToken.None);
            InitService.PrintSignIn(output, result, ServerAddresses.Primary(app.Configuration));
        }

        return await run(services);
    }

    private static async Task<int> InitAsync(IServiceProvider services, TextWriter output)
    {
        var result = await services.GetRequiredService<InitService>().RunAsync(output, CancellationToken.None);
        InitService.PrintSignIn(output, result, ServerAddresses.Primary(services.GetRequiredService<IConfiguration>()));
        await output.WriteLineAsync(result.AdministratorPassword is null
            ? "MobileId is initialised (nothing to create)."
            : "MobileId is initialised.");
        return 0;
    }

    private static async Task<int> CreateApiClientAsync(IServiceProvider services, Dictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (!options.TryGetValue("--name", out var name) || !options.TryGetValue("--role", out var role))
        {
            await error.WriteLineAsync("admin api-client create needs --name N and --role R.");
            return 2;
        }

        Scope? scope = null;
        if (options.TryGetValue("--scope", out var scopeText))
        {
            if (!WorkflowNames.TryParseScope(scopeText, out var parsed))
            {
                await error.WriteLineAsync($"--scope '{scopeText}' must be Self, Department, DepartmentAndBelow or All.");
                return 2;
            }

            scope = parsed;
        }

        Guid? personId = null;
        if (options.TryGetValue("--person", out var logon))
        {
            var normalized = PersonRules.Normalize(logon);
            personId = await services.GetRequiredService<MobileIdDbContext>().People
                .Where(p => p.NormalizedLogonName == normalized).Select(p => (Guid?)p.Id).SingleOrDefaultAsync();
            if (personId is null)
            {
                await error.WriteLineAsync($"No person has the logon name '{logon}'.");
                return 1;
            }
        }

        var result = await services.GetRequiredService<ApiClientsService>()
            .CreateAsync(Caller.System("cli"), new CreateApiClientRequest(name, role, scope, personId), CancellationToken.None);
        if (!result.IsSuccess)
        {
            await error.WriteLineAsync(result.Error.Detail);
            return 1;
        }

        var client = result.Value.Client;
        await output.WriteLineAsync($"API client '{client.Name}' created: role {client.Role}, scope {client.Scope.DisplayName()}.");
        await output.WriteLineAsync("Its secret is shown this once; send it as 'Authorization: Bearer <secret>':");
        await output.WriteLineAsync(result.Value.Secret);
        return 0;
    }

    private static async Task<int> VerifyAuditAsync(IServiceProvider services, TextWriter output, TextWriter error)
    {
        var verification = await services.GetRequiredService<AuditVerifier>().VerifyAsync(CancellationToken.None);
        if (verification.Intact)
        {
            await output.WriteLineAsync(verification.Message);
            return 0;
        }

        await error.WriteLineAsync(verification.Message);
        await error.WriteLineAsync($"{verification.Records} records before it verified.");
        return 1;
    }

    private static async Task<int> ImportPeopleAsync(IServiceProvider services, string file, TextWriter output, TextWriter error)
    {
        if (!File.Exists(file))
        {
            await error.WriteLineAsync($"The file '{file}' does not exist.");
            return 2;
        }

        await using var stream = File.OpenRead(file);
        var result = await services.GetRequiredService<PeopleImport>().ImportAsync(Caller.System("cli"), stream, new SynchronousProgress(output), CancellationToken.None);
        if (result.IsSuccess)
        {
            var report = result.Value;
            await output.WriteLineAsync($"Imported {file}: {report.Rows} rows, {report.Created} created, {report.Updated} updated, {report.Unchanged} unchanged.");
            return 0;
        }

        var problem = result.Error;
        await error.WriteLineAsync(problem.Detail);
        if (problem.Extensions?.GetValueOrDefault("rejectedRows") is IEnumerable<RejectedRow> rows)
        {
            foreach (var row in rows)
            {
                await error.WriteLineAsync($"  line {row.Line}{(row.LogonName is { Length: > 0 } l ? $" ({l})" : "")}: {string.Join(" ", row.Errors)}");
            }
        }
        else if (problem.Errors is not null)
        {
            foreach (var message in problem.Errors.SelectMany(e => e.Value))
            {
                await error.WriteLineAsync("  " + message);
            }
        }

        return 1;
    }
}

/// <summary>Progress lines written at once, in order, to the command's output (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class SynchronousProgress(TextWriter output) : IProgress<string>
{
    public void Report(string value) => output.WriteLine(value);
}
