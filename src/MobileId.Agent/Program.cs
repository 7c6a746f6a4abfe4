using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Agent;

/// <summary>
/// mobileid-agent, the reference device client (PRODUCT.md §1, §13). Exit codes: 0 ok, 2 usage,
/// 3 rejected by the server (or a wrong PIN), 4 network or server unavailable.
/// </summary>
public static class Program
{
    public const int Ok = 0;
    public const int UsageError = 2;
    public const int Rejected = 3;
    public const int Unavailable = 4;

    private const string Usage = """
        Usage: mobileid-agent <command> [options]

        Commands:
          collect <link-or-qr-payload> --code <otp>   collect a mobile ID (asks for the code when not given);
                                                      run again to resume an interrupted collection
          collect <link-or-qr-payload> --cancel       give up an interrupted collection (the server revokes what it issued)
          list                                        the mobile IDs and certificates in the store
          status                                      the store: where it is, PIN tries, pinned root
          export --pem <serial>                        print a certificate as PEM
          (update, unlock, sign, verify, reset: not available in this build yet)
        Options:  --store <dir>  --pin <pin>  --platform ios|android|windows|cli  --model <m>  --serial <s>  --key-store <name> (repeatable)
        """;

    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await output.WriteLineAsync(Usage);
            return args.Length == 0 ? UsageError : Ok;
        }

        if (args[0] == "--version")
        {
            await output.WriteLineAsync(typeof(Program).Assembly.GetName().Version?.ToString());
            return Ok;
        }

        if (!TryParse(args.Skip(1).ToList(), out var positional, out var options, out var problem))
        {
            await error.WriteLineAsync($"mobileid-agent: {problem}");
            await error.WriteLineAsync(Usage);
            return UsageError;
        }

        var store = options.GetValueOrDefault("store")?.LastOrDefault()
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mobileid-agent");
        try
        {
            return args[0] switch
            {
                "collect" when positional.Count == 1 => await CollectAsync(positional[0], options, store, output, handler),
                "list" when positional.Count == 0 => await ListAsync(store, output),
                "status" when positional.Count == 0 => await StatusAsync(store, output),
                "export" when positional.Count == 1 && options.ContainsKey("pem") => await ExportAsync(store, positional[0], output),
                "update" or "unlock" or "sign" or "verify" or "reset" => await NotYetAsync(args[0], error),
                _ => await UsageAsync(args[0], error),
            };
        }
        catch (PinException ex)
        {
            await error.WriteLineAsync($"mobileid-agent: {ex.Message}");
            return Rejected;
        }
        catch (RejectedException ex)
        {
            await error.WriteLineAsync($"mobileid-agent: the server refused: {ex.Message}");
            return Rejected;
        }
        catch (UnavailableException ex)
        {
            await error.WriteLineAsync($"mobileid-agent: {ex.Message}");
            return Unavailable;
        }
    }

    private static async Task<int> CollectAsync(string link, Dictionary<string, List<string>> options, string store, TextWriter output, HttpMessageHandler? handler)
    {
        var pin = options.GetValueOrDefault("pin")?.LastOrDefault() ?? Prompt("PIN: ");
        var opened = AgentStore.Open(store, pin);
        var log = new AgentLog(store, opened.Contents.Policy);
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(60);
        var collector = new Collector(http, output, log, opened.Contents.Policy);
        try
        {
            if (options.ContainsKey("cancel"))
            {
                var revoked = await collector.CancelAsync(link, opened, CancellationToken.None);
                await output.WriteLineAsync($"The interrupted collection is cancelled; the server revoked {revoked.Count} certificate(s){(revoked.Count == 0 ? "" : ": " + string.Join(", ", revoked))}.");
                return Ok;
            }

            var device = new DeviceDescription(
                options.GetValueOrDefault("serial")?.LastOrDefault() ?? DefaultSerial(),
                options.GetValueOrDefault("platform")?.LastOrDefault() ?? "cli",
                options.GetValueOrDefault("model")?.LastOrDefault() ?? Environment.MachineName,
                options.GetValueOrDefault("os-version")?.LastOrDefault() ?? Environment.OSVersion.VersionString,
                options.GetValueOrDefault("key-store") ?? []);
            var identity = await collector.CollectAsync(link, () => options.GetValueOrDefault("code")?.LastOrDefault() ?? Prompt("One-time code: "),
                device, opened, CancellationToken.None);
            await output.WriteLineAsync($"Collected mobile ID {identity.MobileId} ({identity.Profile}) for {identity.Holder}: {identity.Certificates.Count} certificate(s).");
            foreach (var skipped in identity.Skipped)
            {
                await output.WriteLineAsync($"  skipped {skipped}");
            }

            return Ok;
        }
        catch (Exception ex) when (ex is RejectedException or UnavailableException)
        {
            log.Error($"collect: {ex.Message}");
            throw;
        }
    }

    private static async Task<int> ListAsync(string store, TextWriter output)
    {
        var file = AgentStore.Peek(store);
        if (file is null || file.Identities.Count == 0)
        {
            await output.WriteLineAsync($"No mobile ID in {store}.");
            return Ok;
        }

        foreach (var identity in file.Identities)
        {
            await output.WriteLineAsync($"{identity.MobileId}  {identity.Profile}  {identity.Holder}  collected {identity.CollectedAt:u}");
            foreach (var stored in identity.Certificates)
            {
                using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(stored.Certificate));
                await output.WriteLineAsync($"  slot {stored.Slot}  {stored.Container}  {stored.Mode}  serial {stored.SerialNumber}  {certificate.Subject}  until {certificate.NotAfter.ToUniversalTime():u}{(stored.KeyCiphertext is null ? "" : "  with key")}");
            }
        }

        return Ok;
    }

    private static async Task<int> StatusAsync(string store, TextWriter output)
    {
        var file = AgentStore.Peek(store);
        await output.WriteLineAsync(file is null
            ? $"No store at {store}: `collect` creates it with the PIN you give."
            : $"Store {store}: {file.Identities.Count} mobile ID(s); {file.MaxPinTries - file.FailedPins} PIN tries left; root {(file.RootFingerprint is { } r ? r[..16] + "…" : "not pinned yet")}.");
        return Ok;
    }

    private static async Task<int> ExportAsync(string store, string serial, TextWriter output)
    {
        var stored = AgentStore.Peek(store)?.Identities.SelectMany(i => i.Certificates).FirstOrDefault(c => string.Equals(c.SerialNumber, serial, StringComparison.OrdinalIgnoreCase));
        if (stored is null)
        {
            throw new RejectedException($"No certificate with serial {serial} in {store}; see `mobileid-agent list`.");
        }

        await output.WriteAsync(PemEncoding.WriteString("CERTIFICATE", Convert.FromBase64String(stored.Certificate)) + "\n");
        return Ok;
    }

    private static async Task<int> NotYetAsync(string command, TextWriter error)
    {
        await error.WriteLineAsync($"mobileid-agent: '{command}' is not available in this build yet.");
        return UsageError;
    }

    private static async Task<int> UsageAsync(string command, TextWriter error)
    {
        await error.WriteLineAsync($"mobileid-agent: '{command}' with these arguments is not a command.");
        await error.WriteLineAsync(Usage);
        return UsageError;
    }

    private static bool TryParse(List<string> args, out List<string> positional, out Dictionary<string, List<string>> options, out string? problem)
    {
        positional = [];
        options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
                continue;
            }

            var name = args[i][2..];
            if (name is "pem" or "cancel")
            {
                options[name] = [];
                continue;
            }

            if (i + 1 >= args.Count)
            {
                problem = $"--{name} needs a value.";
                return false;
            }

            if (!options.TryGetValue(name, out var values))
            {
                options[name] = values = [];
            }

            values.Add(args[++i]);
        }

        return true;
    }

    private static string Prompt(string label)
    {
        if (Console.IsInputRedirected && Console.In.Peek() < 0)
        {
            throw new RejectedException($"{label.TrimEnd(' ', ':')} is needed: give it as an option or type it.");
        }

        Console.Write(label);
        return Console.ReadLine() ?? "";
    }

    /// <summary>A stable serial for this machine when none is given: a hash of /etc/machine-id or the host name.</summary>
    private static string DefaultSerial()
    {
        var source = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : Environment.MachineName;
        return "CLI-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..12];
    }
}
