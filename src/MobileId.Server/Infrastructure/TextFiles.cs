using System.Text;

namespace MobileId.Server.Infrastructure;

/// <summary>Text files that operators make by hand: UTF-8 (with or without BOM) or the ANSI code page.</summary>
public static class TextFiles
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes UTF-8 when the bytes are valid UTF-8, otherwise Windows-1252; drops a BOM.</summary>
    public static string Decode(byte[] bytes)
    {
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            // Note: files saved by Windows programs are often in the ANSI code page. Windows-1252
            // reads them, and Latin-1 files too; Latin-1 alone would turn ’ “ ” – € Š Œ into control characters.
            return Windows1252.GetString(bytes);
        }
    }
}
