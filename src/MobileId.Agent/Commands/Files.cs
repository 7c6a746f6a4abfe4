using System.Security.Cryptography;
using System.Text;

namespace MobileId.Agent.Commands;

/// <summary>The files a command reads and writes, with usage errors (exit code 2) that name them.</summary>
internal static class Files
{
    /// <exception cref="UsageException">The file cannot be read.</exception>
    public static async Task<byte[]> ReadAsync(string path)
    {
        try
        {
            return await File.ReadAllBytesAsync(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read {path}: {ex.Message}");
        }
    }

    /// <summary>Writes (or replaces) a file; a private one is made readable by its owner only.</summary>
    /// <exception cref="UsageException">The file cannot be written.</exception>
    public static async Task WriteAsync(string path, byte[] contents, bool isPrivate)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            if (isPrivate && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await stream.WriteAsync(contents);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot write {path}: {ex.Message}");
        }
    }

    /// <summary>DER as it is, or the first PEM block's contents.</summary>
    public static byte[] FromPemOrDer(byte[] contents)
    {
        if (contents.Length == 0 || contents[0] != (byte)'-')
        {
            return contents;
        }

        var text = Encoding.ASCII.GetString(contents);
        return PemEncoding.TryFind(text, out var fields) ? Convert.FromBase64String(text[fields.Base64Data]) : contents;
    }
}
