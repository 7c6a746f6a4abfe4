namespace MobileId.Agent;

/// <summary>
/// mobileid-agent, the reference device client (PRODUCT.md §1, §13). Exit codes: 0 ok, 2 usage,
/// 3 rejected by the server, 4 network or server unavailable.
/// </summary>
public static class Program
{
    public const int Ok = 0;
    public const int UsageError = 2;

    private const string Usage = """
        Usage: mobileid-agent <command> [options]

        Commands: collect, status, update, unlock, list, export, sign, verify, reset
        Options:  --store <dir>  --pin <pin>  --platform ios|android|windows|cli  --model <m>  --serial <s>
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? UsageError : Ok;
        }

        if (args[0] == "--version")
        {
            Console.Out.WriteLine(typeof(Program).Assembly.GetName().Version);
            return Ok;
        }

        Console.Error.WriteLine($"mobileid-agent: '{args[0]}' is not available in this build; the device protocol it needs is not served yet.");
        Console.Error.WriteLine(Usage);
        return UsageError;
    }
}
