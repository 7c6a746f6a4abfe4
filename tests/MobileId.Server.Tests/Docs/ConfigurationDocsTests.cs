using MobileId.Server.Features.Settings;

namespace MobileId.Server.Tests.Docs;

/// <summary>docs/configuration.md is what operators read; it must not drift from the code.</summary>
public sealed class ConfigurationDocsTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));

    public static TheoryData<string> SettingKeys() => [.. SettingDefinitions.All.Select(d => d.Key)];

    [Theory]
    [MemberData(nameof(SettingKeys))]
    public void ConfigurationDoc_EverySetting_HasARowWithItsNameKeyAndDefault(string key)
    {
        // Arrange
        var definition = SettingDefinitions.ByKey[key];
        var expectedDefault = definition.Default switch
        {
            "" => "*(empty)*",
            bool b => $"`{(b ? "true" : "false")}`",
            string s => $"`{s}`",
            var v => $"`{Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)}`",
        };

        // Act
        var row = Lines.SingleOrDefault(l => l.StartsWith($"| **{definition.Name}** |", StringComparison.Ordinal));

        // Assert
        Assert.True(row is not null, $"docs/configuration.md has no row for '{definition.Name}'.");
        var cells = row.Split('|', StringSplitOptions.TrimEntries);
        Assert.Equal($"`{definition.Key}`", cells[2]);
        Assert.Equal(expectedDefault, cells[4]);
    }

    [Fact]
    public void ConfigurationDoc_EveryTab_HasAHeading()
    {
        foreach (var tab in SettingDefinitions.Tabs)
        {
            Assert.Contains($"### {tab}", Lines);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MobileId.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MobileId.slnx not found above " + AppContext.BaseDirectory);
    }
}
