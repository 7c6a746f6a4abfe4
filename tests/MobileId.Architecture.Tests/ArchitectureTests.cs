namespace MobileId.Architecture.Tests;

/// <summary>
/// The shape of the server, checked on the built assemblies (every type reference, not just
/// <c>using</c> lines) and on the sources. See docs/architecture.md for the picture these keep true.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Lazy<IReadOnlyList<Dependency>> ServerDependencies =
        new(() => AssemblyDependencies.Read(Path.Combine(AppContext.BaseDirectory, "MobileId.Server.dll")));

    private static IEnumerable<(Dependency Dependency, string FromFolder, string ToFolder)> FolderEdges() =>
        from d in ServerDependencies.Value
        let source = ServerLayout.Folder(d.FromNamespace)
        let target = ServerLayout.Folder(d.ToNamespace)
        where source is not null && target is not null && source != target
        select (d, source, target);

    [Fact]
    public void Data_ImportsNoFeature()
    {
        // Arrange / Act
        var offending = FolderEdges()
            .Where(e => e.FromFolder == "Data" && e.ToFolder.StartsWith("Features.", StringComparison.Ordinal))
            .Select(e => $"{e.Dependency.From} → {e.Dependency.To}")
            .Distinct().ToList();

        // Assert
        Assert.True(offending.Count == 0, "Data uses feature types:\n" + string.Join('\n', offending));
    }

    [Fact]
    public void ServerFolders_HaveNoImportCycles()
    {
        // Arrange: folder → folders it uses; the host composition, console and commands sit on top and are left out.
        var edges = new Dictionary<string, HashSet<string>>();
        foreach (var (_, from, to) in FolderEdges())
        {
            if (from is "Console" or "Commands" or "Hosting" or "(root)") continue;
            (edges.TryGetValue(from, out var set) ? set : edges[from] = []).Add(to);
        }

        // Act
        var cycles = Graphs.Cycles(edges);

        // Assert: name one reference for each pair in a cycle so the fix is easy to find.
        var report = cycles.Select(c => string.Join(" ⇄ ", c) + "\n" + string.Join('\n',
            FolderEdges().Where(e => c.Contains(e.FromFolder) && c.Contains(e.ToFolder))
                .GroupBy(e => (e.FromFolder, e.ToFolder))
                .Select(g => $"   {g.Key.FromFolder} → {g.Key.ToFolder}: {g.First().Dependency.From} uses {g.First().Dependency.To}")));
        Assert.True(cycles.Count == 0, "Folder import cycles:\n" + string.Join('\n', report));
    }

    [Fact]
    public void WorkflowFolders_DoNotImportEachOther()
    {
        // Arrange / Act
        var offending = ServerDependencies.Value
            .Select(d => (d, From: ServerLayout.Workflow(d.FromNamespace), To: ServerLayout.Workflow(d.ToNamespace)))
            .Where(x => x.From is not null && x.To is not null && x.From != x.To)
            .Select(x => $"{x.From} → {x.To}: {x.d.From} uses {x.d.To}")
            .Distinct().ToList();

        // Assert
        Assert.True(offending.Count == 0, "Workflows that use another workflow:\n" + string.Join('\n', offending));
    }

    [Fact]
    public void OnlyTheIssuanceSeam_OpensKeysInTheKeyStore()
    {
        // Arrange: opening, generating or importing a key is what gives code a CA (or service) signing key.
        string[] keyOperations = ["Open", "Generate", "Import"];

        // Act
        var sites = ServerDependencies.Value
            .Where(d => d.To == "MobileId.Pki.Keys.IKeyStore" && keyOperations.Contains(d.Member))
            .Where(d => !d.FromNamespace.StartsWith(ServerLayout.Features + ".Issuance", StringComparison.Ordinal))
            .Select(d => $"{d.From} calls IKeyStore.{d.Member}")
            .Distinct().ToList();

        // Assert
        Assert.True(sites.Count == 0, "Key store keys opened outside Features/Issuance:\n" + string.Join('\n', sites));
    }

    [Fact]
    public void Agent_ReadsTheProtocolThroughTypedContracts()
    {
        // Arrange
        var agent = AssemblyDependencies.Read(Path.Combine(AppContext.BaseDirectory, "mobileid-agent.dll"));

        // Act: walking the server's JSON by property name is what the shared contract replaces.
        var lookups = agent
            .Where(d => d.To == "System.Text.Json.JsonElement" && d.Member is "GetProperty" or "TryGetProperty")
            .Select(d => d.From).Distinct().ToList();

        // Assert
        Assert.True(lookups.Count == 0, "Agent types that read JSON by property name:\n" + string.Join('\n', lookups));
    }

    [Fact]
    public void EveryCommit_SaysWhatCommitsTogether()
    {
        // Arrange: a use case owns its unit of work and says at each SaveChangesAsync what commits
        // together (and, where it commits more than once, why). The context's own override is the mechanism.
        var server = Path.Combine("src", "MobileId.Server");
        var sites = SourceTree.Files(".cs")
            .Where(f => SourceTree.Relative(f).StartsWith(server.Replace('\\', '/') + "/", StringComparison.Ordinal))
            .Where(f => !SourceTree.Relative(f).StartsWith("src/MobileId.Server/Data/", StringComparison.Ordinal))
            .SelectMany(SourceTree.CommitsWithoutComment)
            .ToList();

        // Assert
        Assert.True(sites.Count == 0, "SaveChangesAsync without a '// Commit:' comment just above it:\n" + string.Join('\n', sites));
    }

    [Fact]
    public void SourceFiles_AreAtMost400Lines()
    {
        var large = SourceTree.Files(".cs", ".razor").Concat(SourceTree.TestAndBenchFiles(".cs", ".razor"))
            .Select(f => (File: SourceTree.Relative(f), Lines: SourceTree.LineCount(f)))
            .Where(f => f.Lines > 400)
            .Select(f => $"{f.File}: {f.Lines} lines").ToList();

        Assert.True(large.Count == 0, "Files over 400 lines:\n" + string.Join('\n', large));
    }

    [Fact]
    public void Methods_AreAtMost80Lines()
    {
        var large = SourceTree.Files(".cs")
            .SelectMany(SourceTree.Methods)
            .Where(m => m.Lines > 80)
            .Select(m => $"{m.File}:{m.Line} {m.Name}: {m.Lines} lines").ToList();

        Assert.True(large.Count == 0, "Methods over 80 lines:\n" + string.Join('\n', large));
    }
}
