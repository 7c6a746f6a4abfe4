using MobileId.Agent;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>The agent's log files follow the Identity Agent Policy: level, storage space and number of files.</summary>
public sealed class AgentLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mid-agentlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Files() => Directory.Exists(Path.Combine(_dir, "logs")) ? Directory.GetFiles(Path.Combine(_dir, "logs")) : [];

    [Fact]
    public void Write_BelowTheLevel_IsDroppedAndAtTheLevelIsKept()
    {
        var log = new AgentLog(_dir, new AgentPolicy(LogLevel: 3));

        log.Info("not this");
        log.Warning("this one");
        log.Error("and this");

        var text = File.ReadAllText(Path.Combine(_dir, "logs", AgentLog.FileName));
        Assert.DoesNotContain("not this", text, StringComparison.Ordinal);
        Assert.Contains("WARNING this one", text, StringComparison.Ordinal);
        Assert.Contains("ERROR   and this", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(6, 0)]
    public void Write_LevelNoneOrNoFiles_WritesNothing(int level, int files)
    {
        var log = new AgentLog(_dir, new AgentPolicy(LogLevel: level, MaximumNumberOfLogFiles: files));

        log.Error("nothing");

        Assert.Empty(Files());
    }

    [Theory]
    [InlineData(1, 3, 3)]
    [InlineData(2, -1, 2)]
    public void Write_PastTheStorageSpace_RotatesWithinTheFilesAndSpaceAllowed(int megabytes, int files, int expectedFiles)
    {
        // Arrange
        var log = new AgentLog(_dir, new AgentPolicy(LogLevel: 6, MaximumLogStorageSpace: megabytes, MaximumNumberOfLogFiles: files));
        var line = new string('x', 1000);

        // Act: three times the storage space.
        for (var i = 0; i < megabytes * 3 * 1024; i++)
        {
            log.Debug($"{i} {line}");
        }

        // Assert
        var kept = Files();
        Assert.Equal(expectedFiles, kept.Length);
        Assert.True(kept.Sum(f => new FileInfo(f).Length) <= megabytes * 1024L * 1024, "The logs exceed the storage space.");
        Assert.Contains($"{megabytes * 3 * 1024 - 1} ", File.ReadAllText(Path.Combine(_dir, "logs", AgentLog.FileName)), StringComparison.Ordinal);
    }
}
