using System.Buffers.Binary;
using MobileId.Server.Features.Notifications;

namespace MobileId.Server.Tests.Features.Notifications;

/// <summary>The template language, the HTML-to-text form of emails, and QR code images, without a server.</summary>
public sealed class MessageTextTests
{
    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal)
    {
        ["displayName"] = "<b>Eve</b> & \"Co\"", ["code"] = "1234 5678", ["empty"] = " ",
    };

    [Theory]
    [InlineData("Hi {{displayName}}", true, "Hi &lt;b&gt;Eve&lt;/b&gt; &amp; &quot;Co&quot;")]
    [InlineData("Hi {{displayName}}", false, "Hi <b>Eve</b> & \"Co\"")]
    [InlineData("a{{#code}} code {{code}}{{/code}}b", false, "a code 1234 5678b")]
    [InlineData("a{{#empty}} hidden {{code}}{{/empty}}b", false, "ab")]
    [InlineData("a{{#missing}} hidden{{/missing}}b{{missing}}c", false, "abc")]
    [InlineData("{{#code}}[{{#displayName}}{{code}}{{/displayName}}]{{/code}}", false, "[1234 5678]")]
    [InlineData("no placeholders { at } all", false, "no placeholders { at } all")]
    public void Render_Text_FillsValuesAndParts(string template, bool html, string expected) =>
        Assert.Equal(expected, TemplateText.Render(template, Values, html));

    [Theory]
    [InlineData("{{/code}}", "closes a part that was never opened")]
    [InlineData("{{#code}}{{#link}}{{/code}}{{/link}}", "the open part is {{#link}}")]
    [InlineData("{{#code}}", "is never closed")]
    [InlineData("{{}}", "is not a placeholder")]
    [InlineData("{{code name}}", "is not a placeholder")]
    public void Inspect_Malformed_SaysWhatIsWrong(string template, string message)
    {
        var (_, errors) = TemplateText.Inspect(template);

        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_Names_AreEveryPlaceholderAndPart()
    {
        var (names, errors) = TemplateText.Inspect("{{#code}}{{ code }}{{/code}} {{link}} {{link}}");

        Assert.Empty(errors);
        Assert.Equal(["code", "link"], names);
    }

    [Theory]
    [InlineData("12345678", "1234 5678")]
    [InlineData("1234 5678", "1234 5678")]
    [InlineData("123456", "1234 56")]
    [InlineData("1234", "1234")]
    [InlineData("123456789012", "1234 5678 9012")]
    public void GroupCode_Digits_AreGroupedInFours(string code, string expected) =>
        Assert.Equal(expected, TemplateText.GroupCode(code));

    [Fact]
    public void ToPlainText_TemplateHtml_KeepsLinksParagraphsAndDecodesEntities()
    {
        var html = """
            <!doctype html><html><head><title>Ignored title</title><style>p { color: red }</style></head><body>
            <p>Hello Zoë &lt;O&#39;Brien&gt;,</p>
            <p>Open <a href="https://id.example.org/e/abc?x=1&amp;y=2">this link</a> or
            <a href="https://id.example.org/q">https://id.example.org/q</a>.</p>
            <ul><li>one</li><li>two</li></ul>line<br>break
            </body></html>
            """;

        var text = HtmlText.ToPlainText(html);

        Assert.Equal(
            "Hello Zoë <O'Brien>,\n\nOpen this link (https://id.example.org/e/abc?x=1&y=2) or https://id.example.org/q.\n\n- one\n- two\n\nline\nbreak\n",
            text);
    }

    [Fact]
    public void Png_Payload_IsAValidPngThatGrowsWithThePayloadAndIsStable()
    {
        // Arrange
        var shortLink = "http://127.0.0.1:5080/device/v1/enrol/abc";
        var longLink = "https://mobileid.example.org/device/v1/enrol/" + new string('k', 200);

        // Act
        var small = QrCodes.Png(shortLink);
        var again = QrCodes.Png(shortLink);
        var large = QrCodes.Png(longLink);
        var coarse = QrCodes.Png(shortLink, pixelsPerModule: 4);

        // Assert
        foreach (var png in new[] { small, large, coarse })
        {
            Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            Assert.Equal(Width(png), Height(png));
            Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        }

        Assert.Equal(small, again);
        Assert.True(Width(large) > Width(small), $"{Width(large)} ≤ {Width(small)}");
        Assert.Equal(0, Width(small) % 8);
        Assert.Equal(Width(small) / 8, Width(coarse) / 4);
        Assert.Throws<ArgumentException>(() => QrCodes.Png(""));
    }

    private static int Width(byte[] png) => BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));

    private static int Height(byte[] png) => BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
}
