using System.Globalization;
using MobileId.Server.Commands;

namespace MobileId.Testing;

/// <summary>What one run of the server's command line printed and returned.</summary>
public sealed record CommandOutcome(int ExitCode, string Output, string Error);

/// <summary>Runs the server's command line in-process, as <c>MobileId.Server ARGS</c> would.</summary>
public static class CommandLine
{
    public static async Task<CommandOutcome> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await ServerCommands.RunAsync(args, output, error);
        return new CommandOutcome(code, output.ToString(), error.ToString());
    }

    /// <summary>The configuration options that point a command at the same database as a <see cref="MobileIdApp"/>.</summary>
    public static string[] DatabaseArguments(TestDatabase database) =>
    [
        $"--MobileId:Database:Provider={database.Provider}",
        $"--MobileId:Database:ConnectionString={database.ConnectionString}",
        $"--MobileId:DataDirectory={Path.Combine(database.Directory, "data")}",
    ];
}
