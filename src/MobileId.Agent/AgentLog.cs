using System.Globalization;
using System.Text;

namespace MobileId.Agent;

/// <summary>The Identity Agent Policy's log levels (PRODUCT.md §8).</summary>
public enum AgentLogLevel
{
    None = 0,
    Fatal = 1,
    Error = 2,
    Warning = 3,
    Info = 4,
    Debug = 5,
    Verbose = 6,
}

/// <summary>
/// The agent's log files in <c>&lt;store&gt;/logs</c>, as the Identity Agent Policy says: lines at or
/// above <b>Log level</b> are written; the files rotate (<c>mobileid-agent.log</c>, <c>.1</c>, <c>.2</c> …)
/// so that they keep within <b>Maximum log storage space</b> and <b>Maximum number of log files</b>
/// (-1: as many 1 MB files as fit; 0: no logging). Secrets (codes, PINs, tokens, keys) are never logged.
/// </summary>
public sealed class AgentLog
{
    public const string FileName = "mobileid-agent.log";
    private const long DefaultFileSize = 1024 * 1024;
    private readonly string _directory;

    public AgentLog(string storeDirectory, AgentPolicy policy)
    {
        _directory = Path.Combine(storeDirectory, "logs");
        Policy = policy;
    }

    /// <summary>The policy in force; it changes when the server sends a new one.</summary>
    public AgentPolicy Policy { get; set; }

    /// <summary>How many files are kept and how large one grows before it rotates.</summary>
    public (int Files, long FileSize) Limits
    {
        get
        {
            var storage = (long)Math.Max(1, Policy.MaximumLogStorageSpace) * 1024 * 1024;
            return Policy.MaximumNumberOfLogFiles switch
            {
                0 => (0, 0),
                < 0 => ((int)Math.Max(1, storage / DefaultFileSize), Math.Min(DefaultFileSize, storage)),
                var n => (n, storage / n),
            };
        }
    }

    public void Write(AgentLogLevel level, string message)
    {
        var (files, fileSize) = Limits;
        if (level == AgentLogLevel.None || (int)level > Policy.LogLevel || files == 0)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(_directory);
            var path = Path.Combine(_directory, FileName);
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level.ToString().ToUpperInvariant(),-7} {message}\n");
            if (File.Exists(path) && new FileInfo(path).Length + Encoding.UTF8.GetByteCount(line) > fileSize)
            {
                Rotate(path, files);
            }

            File.AppendAllText(path, line);
        }
        catch (IOException)
        {
            // Note: a log that cannot be written must not stop the agent.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Error(string message) => Write(AgentLogLevel.Error, message);

    public void Warning(string message) => Write(AgentLogLevel.Warning, message);

    public void Info(string message) => Write(AgentLogLevel.Info, message);

    public void Debug(string message) => Write(AgentLogLevel.Debug, message);

    /// <summary>Shifts <c>.log</c> → <c>.1</c> → <c>.2</c> …, dropping what is beyond the number of files.</summary>
    private static void Rotate(string path, int files)
    {
        if (files <= 1)
        {
            File.Delete(path);
            return;
        }

        File.Delete($"{path}.{files - 1}");
        for (var i = files - 2; i >= 1; i--)
        {
            if (File.Exists($"{path}.{i}"))
            {
                File.Move($"{path}.{i}", $"{path}.{i + 1}");
            }
        }

        File.Move(path, $"{path}.1");
    }
}
