namespace MobileId.Architecture.Tests;

/// <summary>The checks above would pass vacuously if their tools saw nothing: these show they see.</summary>
public sealed class ArchitectureToolTests
{
    [Fact]
    public void AssemblyDependencies_SeesReferencesInsideMethodBodies()
    {
        // Act
        var dependencies = AssemblyDependencies.Read(Path.Combine(AppContext.BaseDirectory, "MobileId.Server.dll"));

        // Assert: the server's OCSP endpoint uses the Pki OCSP request parser, and the server calls into EF Core.
        Assert.Contains(dependencies, d => d.FromNamespace.StartsWith("MobileId.Server.Features.Ocsp", StringComparison.Ordinal)
            && d.ToNamespace == "MobileId.Pki.Revocation");
        Assert.Contains(dependencies, d => d.To == "Microsoft.EntityFrameworkCore.DbContext" && d.Member is not null);
    }

    [Fact]
    public void Cycles_FindsEveryMutualGroupAndNothingElse()
    {
        var edges = new Dictionary<string, HashSet<string>>
        {
            ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a", "d"], ["d"] = ["e"], ["e"] = [], ["f"] = ["f"],
        };

        var cycles = Graphs.Cycles(edges);

        var cycle = Assert.Single(cycles);
        Assert.Equal(["a", "b", "c"], cycle);
    }

    [Theory]
    [InlineData("MobileId.Server.Features.MobileIds.Disable", "Features.MobileIds", "Features.MobileIds.Disable")]
    [InlineData("MobileId.Server.Features.MobileIds", "Features.MobileIds", null)]
    [InlineData("MobileId.Server.Features.Scep", "Features.Scep", "Features.Scep")]
    [InlineData("MobileId.Server.Features.Audit", "Features.Audit", null)]
    [InlineData("MobileId.Server.Data.Configurations", "Data", null)]
    [InlineData("MobileId.Pki.Keys", null, null)]
    public void ServerLayout_MapsNamespacesToFoldersAndWorkflows(string ns, string? folder, string? workflow)
    {
        Assert.Equal(folder, ServerLayout.Folder(ns));
        Assert.Equal(workflow, ServerLayout.Workflow(ns));
    }

    [Fact]
    public void Methods_MeasuresFromSignatureToClosingBrace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.cs");
        File.WriteAllText(path, "class A\n{\n    void M()\n    {\n        int x = 1;\n    }\n\n    int P => 1;\n}\n");
        try
        {
            var methods = SourceTree.Methods(path).ToList();

            var m = Assert.Single(methods);
            Assert.Equal("A.M", m.Name);
            Assert.Equal(3, m.Line);
            Assert.Equal(4, m.Lines);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CommitsWithoutComment_FindsOnlyTheUncommentedSave()
    {
        var path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.cs");
        File.WriteAllText(path, "class A\n{\n    async Task M()\n    {\n        // Commit: the person and the audit record together.\n        await db.SaveChangesAsync(ct);\n        x++;\n        y++;\n        z++;\n        await db.SaveChangesAsync(ct);\n    }\n}\n");
        try
        {
            var sites = SourceTree.CommitsWithoutComment(path).ToList();

            var site = Assert.Single(sites);
            Assert.EndsWith(":10", site, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SourceTree_ListsTheServerSourcesButNoMigrations()
    {
        var files = SourceTree.Files(".cs").Select(SourceTree.Relative).ToList();

        Assert.Contains("src/MobileId.Server/Program.cs", files);
        Assert.DoesNotContain(files, f => f.Contains("/Migrations/", StringComparison.Ordinal));
    }
}
