using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Agent.Commands;

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
          update [<mobile-id>]                        Collect My Updates for one mobile ID or all: renewals, added and removed
                                                      certificates, policy and badge changes, disable and cancellation;
                                                      run again to resume an interrupted update
          list                                        the mobile IDs and certificates in the store
          status                                      the store: where it is, PIN tries, pinned root
          export <serial> --pem [--chain]             print a certificate (and its CA chain) as PEM
          export <serial> --pfx <file>                write a PKCS#12 file: the certificate, its key and its CA chain,
                                                      under --password (12 characters or more; asked twice when not given)
          sign <serial> <file> [--out <sigfile>]      a detached CMS signature (SHA-256) of the file, DER (--pem: PEM),
                                                      to <file>.p7s unless --out is given
          verify <file> <sigfile>                     check a detached CMS signature and that its signer is under the pinned root
          unlock [<mobile-id>] [--code <c>] [--new-pin <p>]
                                                      a forgotten PIN or a blocked store: shows a challenge for the helpdesk,
                                                      takes the unlock code they read back and sets a new PIN (asked twice)
          reset [--yes]                               delete the store, after a confirmation (revokes nothing on the server)
        Options:  --store <dir>  --pin <pin>  --platform ios|android|windows|cli  --model <m>  --serial <s>  --key-store <name> (repeatable)
        The PIN, the code and passwords not given as options are asked for without echo; with input redirected, one line each.
        """;

    /// <summary>The options that take no value.</summary>
    private static readonly HashSet<string> Flags = new(["pem", "chain", "yes", "cancel"], StringComparer.Ordinal);

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
                "export" when positional.Count == 1 && options.ContainsKey("pem") && !options.ContainsKey("pfx")
                    => await ExportCommand.PemAsync(store, positional[0], options.ContainsKey("chain"), output),
                "export" when positional.Count == 1 && options.TryGetValue("pfx", out var pfx) && !options.ContainsKey("pem")
                    => await ExportCommand.PfxAsync(store, positional[0], pfx[^1], options, output),
                "sign" when positional.Count == 2 => await SignatureCommands.SignAsync(store, positional[0], positional[1], options, output),
                "verify" when positional.Count == 2 => await SignatureCommands.VerifyAsync(store, positional[0], positional[1], output),
                "reset" when positional.Count == 0 => await ResetCommand.RunAsync(store, options.ContainsKey("yes"), output),
                "unlock" when positional.Count <= 1 => await UnlockCommand.RunAsync(store, positional.FirstOrDefault(), options, output, handler),
                "update" when positional.Count <= 1 => await UpdateAsync(positional.SingleOrDefault(), options, store, output, error, handler),
                _ => await UsageAsync(args[0], error),
            };
        }
        catch (Exception ex) when (ExitCodeFor(ex) is { } code)
        {
            await error.WriteLineAsync($"mobileid-agent: {(ex is RejectedException ? "the server refused: " : "")}{ex.Message}");
            return code;
        }
    }

    /// <summary>The exit code of an expected failure (its message is printed), or null for anything else.</summary>
    private static int? ExitCodeFor(Exception exception) => exception switch
    {
        UsageException => UsageError,
        RefusedException or PinException or RejectedException => Rejected,
        UnavailableException => Unavailable,
        _ => null,
    };

    private static async Task<int> CollectAsync(string link, Dictionary<string, List<string>> options, string store, TextWriter output, HttpMessageHandler? handler)
    {
        var (opened, log, http, collector) = Connect(options, store, output, handler);
        using var client = http;
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
            var identity = await collector.CollectAsync(link, () => Terminal.ValueOrAsk(options, "code", "One-time code: "),
                device, opened, CancellationToken.None);
            await output.WriteLineAsync($"Collected mobile ID {identity.MobileId} ({identity.Profile}) for {identity.Holder}: {identity.Certificates.Count} certificate(s).");
            foreach (var skipped in identity.Skipped)
            {
                await output.WriteLineAsync($"  skipped {skipped}");
            }

            return Ok;
        }
        catch (RefusedException ex)
        {
            // Note: refusals the agent decides itself; the server's, and an unreachable server, are logged where the request was made.
            log.Error($"collect: {ex.Message}");
            throw;
        }
    }

    /// <summary>Opens the store with the PIN and makes the device protocol client that follows its policy.</summary>
    private static (AgentStore Store, AgentLog Log, HttpClient Http, Collector Collector) Connect(Dictionary<string, List<string>> options, string store,
        TextWriter output, HttpMessageHandler? handler)
    {
        var pin = Terminal.ValueOrAsk(options, "pin", "PIN: ");
        var opened = AgentStore.Open(store, pin);
        var log = new AgentLog(store, opened.Contents.Policy);
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(60);
        return (opened, log, http, new Collector(http, output, log, opened.Contents.Policy));
    }

    private static async Task<int> UpdateAsync(string? mobileId, Dictionary<string, List<string>> options, string store, TextWriter output, TextWriter error,
        HttpMessageHandler? handler)
    {
        Guid? only = null;
        if (mobileId is not null)
        {
            only = Guid.TryParse(mobileId, out var parsed) ? parsed : throw new UsageException($"'{mobileId}' is not a mobile ID (a GUID, as `list` shows).");
        }

        var (opened, log, http, collector) = Connect(options, store, output, handler);
        using var client = http;
        var identities = opened.Contents.Identities.Where(i => only is null || i.MobileId == only).ToList();
        if (identities.Count == 0)
        {
            throw new RefusedException(only is null ? $"No mobile ID in {store} to update." : $"Mobile ID {only} is not in {store}.");
        }

        // Note: one mobile ID that cannot be updated does not keep the others from their updates.
        int? failed = null;
        foreach (var identity in identities)
        {
            try
            {
                var summary = await collector.UpdateAsync(identity, opened, CancellationToken.None);
                await output.WriteLineAsync(summary.Status switch
                {
                    MobileIdStatus.Cancelled => $"Mobile ID {summary.MobileId} ({summary.Profile}): cancelled by the issuer; removed from this store with its {summary.Removed} certificate(s) and keys.",
                    MobileIdStatus.Disabled => $"Mobile ID {summary.MobileId} ({summary.Profile}): disabled by the issuer; its certificates are kept but suspended.",
                    _ => $"Mobile ID {summary.MobileId} ({summary.Profile}): {summary.Renewed} renewed, {summary.Added} added, {summary.Removed} removed.",
                });
            }
            catch (Exception ex) when (ExitCodeFor(ex) is { } code)
            {
                if (ex is RefusedException)
                {
                    log.Error($"update: {ex.Message}");
                }

                await error.WriteLineAsync($"mobileid-agent: mobile ID {identity.MobileId} ({identity.Profile}) was not updated: {(ex is RejectedException ? "the server refused: " : "")}{ex.Message}");
                failed ??= code;
            }
        }

        return failed ?? Ok;
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
            await output.WriteLineAsync($"{identity.MobileId}  {identity.Profile}  {identity.Holder}  collected {identity.CollectedAt:u}{(identity.Disabled ? "  DISABLED by the issuer" : "")}");
            if (identity.Badge is { } badge)
            {
                var parsed = System.Text.Json.JsonSerializer.Deserialize(badge, DeviceProtocolJson.Default.Badge);
                await output.WriteLineAsync($"  badge {parsed?.Layout}");
            }

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
            : $"Store {store}: {file.Identities.Count} mobile ID(s); {(file.Blocked ? "blocked: run `mobileid-agent unlock`" : $"{file.MaxPinTries - file.FailedPins} PIN tries left")}; root {(file.RootFingerprint is { } r ? r[..16] + "…" : "not pinned yet")}.");
        return Ok;
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
            if (Flags.Contains(name))
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

    /// <summary>A stable serial for this machine when none is given: a hash of /etc/machine-id or the host name.</summary>
    private static string DefaultSerial()
    {
        var source = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : Environment.MachineName;
        return "CLI-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..12];
    }
}
