using System.Text;
using MobileId.Pki.Enrolment.Ota;

namespace MobileId.Pki.Tests.Enrolment.Ota;

/// <summary>Apple XML property lists as OTA enrolment writes profiles and reads the device's attributes.</summary>
public sealed class PlistTests
{
    [Fact]
    public void WriteThenRead_EveryValueKind_RoundTripsInOrder()
    {
        var root = new PlistDict
        {
            ["Text"] = "a < b & c",
            ["Number"] = 42,
            ["Yes"] = true,
            ["No"] = false,
            ["Data"] = new byte[] { 1, 2, 3 },
            ["List"] = new List<object> { "one", 2 },
            ["Inner"] = new PlistDict { ["Key"] = "value" },
        };

        var xml = Plist.Write(root);
        var text = Encoding.UTF8.GetString(xml);
        var read = Plist.ReadDict(xml);

        Assert.StartsWith("<?xml", text, StringComparison.Ordinal);
        Assert.Contains("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\"", text, StringComparison.Ordinal);
        Assert.Contains("a &lt; b &amp; c", text, StringComparison.Ordinal);
        Assert.Equal(["Text", "Number", "Yes", "No", "Data", "List", "Inner"], read.Keys);
        Assert.Equal("a < b & c", read["Text"]);
        Assert.Equal(42L, read["Number"]);
        Assert.Equal(true, read["Yes"]);
        Assert.Equal(false, read["No"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, read["Data"]);
        Assert.Equal(new List<object> { "one", 2L }, read["List"]);
        Assert.Equal("value", ((PlistDict)read["Inner"]).Text("Key"));
    }

    [Fact]
    public void Text_MissingBlankOrNotAString_Null()
    {
        var dict = new PlistDict { ["Blank"] = "  ", ["Number"] = 1, ["Padded"] = " x " };

        Assert.Null(dict.Text("Missing"));
        Assert.Null(dict.Text("Blank"));
        Assert.Null(dict.Text("Number"));
        Assert.Equal("x", dict.Text("Padded"));
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("<plist version=\"1.0\"><array/></plist>")]
    [InlineData("<other><dict/></other>")]
    [InlineData("<plist><dict><key>A</key></dict></plist>")]
    [InlineData("<plist><dict><key>A</key><integer>x</integer></dict></plist>")]
    [InlineData("<plist><dict><key>A</key><data>!!</data></dict></plist>")]
    [InlineData("<plist><dict><key>A</key><unknown/></dict></plist>")]
    public void ReadDict_NotADictPlist_FormatException(string xml) =>
        Assert.Throws<FormatException>(() => Plist.ReadDict(Encoding.UTF8.GetBytes(xml)));

    [Fact]
    public void ReadDict_ExternalEntity_NotExpanded()
    {
        const string Xml = "<?xml version=\"1.0\"?><!DOCTYPE plist [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            + "<plist><dict><key>A</key><string>&x;</string></dict></plist>";

        var error = Record.Exception(() => Plist.ReadDict(Encoding.UTF8.GetBytes(Xml)));

        Assert.True(error is FormatException, error?.ToString());
    }

    [Fact]
    public void Write_UnsupportedValue_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => Plist.Write(new PlistDict { ["When"] = DateTime.UnixEpoch }));
}
