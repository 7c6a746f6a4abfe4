using Microsoft.Data.Sqlite;

namespace MobileId.Server.Tests.Features.Audit;

/// <summary>
/// A context built without the audit chain's interceptor cannot drop audit records silently: a save that
/// carries queued records fails, and the change made alongside them is not committed.
/// </summary>
public sealed class AuditInterceptorRequiredTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mobileid-audit-" + Guid.NewGuid().ToString("N")[..12]);

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "mobileid.db"), Pooling = false }.ToString();

    public async Task InitializeAsync()
    {
        await using var db = NewContext();
        await DatabaseSetup.MigrateAsync(db, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SaveChanges_AuditQueuedWithoutTheInterceptor_ThrowsAndWritesNothing()
    {
        // Arrange: a new group and its audit record, on a context whose options have no interceptors.
        var group = new Group { Id = Guid.CreateVersion7(), Name = "unaudited", CreatedAt = DateTime.UtcNow };
        await using var db = NewContext();
        db.Groups.Add(group);
        db.AddAudit(new AuditRecord
        {
            OccurredAt = DateTime.UtcNow, ActorKind = "system", ActorName = "test", Action = "group.created", PreviousHash = "", Hash = "",
        });

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        // Assert
        Assert.Contains("audit chain interceptor", error.Message, StringComparison.Ordinal);
        Assert.False(db.HasPendingAudit);
        await using var check = NewContext();
        Assert.False(await check.Groups.AnyAsync(g => g.Id == group.Id));
        Assert.Equal(0, await check.AuditRecords.CountAsync());
    }

    private SqliteMobileIdDbContext NewContext() =>
        new(new DbContextOptionsBuilder<SqliteMobileIdDbContext>().UseSqlite(ConnectionString).Options);
}
