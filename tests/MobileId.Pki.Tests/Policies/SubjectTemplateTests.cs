using MobileId.Pki.Policies;

namespace MobileId.Pki.Tests.Policies;

public sealed class SubjectTemplateTests
{
    private static readonly Dictionary<string, string?> Jane = new()
    {
        ["displayName"] = "Jane Doe",
        ["logonName"] = "jane",
        ["email"] = "jane@example.org",
        ["group"] = "Engineering",
        ["organization"] = null,
    };

    [Fact]
    public void Render_PersonFields_FillsTheDnInDisplayOrder()
    {
        var dn = SubjectTemplate.Render("CN={displayName},OU={group},O=Example Corp", Jane);

        Assert.Equal("CN=Jane Doe, OU=Engineering, O=Example Corp", dn.Name);
        // X.501 order: the encoding starts with the least specific RDN.
        Assert.Equal("2.5.4.10", dn.EnumerateRelativeDistinguishedNames(reversed: false).First().GetSingleElementType().Value);
    }

    [Fact]
    public void Render_ValueWithDnSyntax_StaysOneAttribute()
    {
        var fields = new Dictionary<string, string?>(Jane) { ["displayName"] = "Doe, Jane, O=Evil" };

        var dn = SubjectTemplate.Render("CN={displayName},O=Example", fields);

        var rdns = dn.EnumerateRelativeDistinguishedNames().ToList();
        Assert.Equal(2, rdns.Count);
        Assert.Equal("Doe, Jane, O=Evil", rdns.Single(r => r.GetSingleElementType().Value == "2.5.4.3").GetSingleElementValue());
    }

    [Fact]
    public void Render_EmptyValue_LeavesTheAttributeOut()
    {
        var dn = SubjectTemplate.Render("CN={displayName},O={organization}", Jane);

        Assert.Equal("CN=Jane Doe", dn.Name);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("CN={nickname}", "'{nickname}' is not a placeholder")]
    [InlineData("XX=foo", "'XX=foo' is not ATTRIBUTE=value")]
    [InlineData("CN", "'CN' is not ATTRIBUTE=value")]
    public void Validate_BadTemplate_SaysWhy(string template, string expected)
    {
        var error = SubjectTemplate.Validate(template);

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GoodTemplate_IsAccepted() =>
        Assert.Null(SubjectTemplate.Validate("CN={displayName},UID={logonName},E={email},OU={group},O=Example,C=GB"));
}
