using System.Data.Common;
using System.Text.RegularExpressions;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.Audit;

/// <summary>
/// The tamper-evident audit log (PRODUCT.md §12, §13 <c>audit verify</c>): the chain verifies after real
/// actions, survives concurrent writers, is written in the change's transaction, and every kind of
/// tampering by someone who can switch off the append-only triggers is reported with the record's number.
/// </summary>
public abstract class AuditChainTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private MobileIdApp App => fixture.App;

    private DatabaseProvider Provider => App.Database.Provider;

    [Fact]
    public async Task Verify_AfterRealActions_PassesInProcessOverHttpAndOnTheCommandLine()
    {
        // Arrange: people created and edited, a setting changed, a failed sign-in: all audited.
        using var admin = await App.AdminClientAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var created = new List<JsonElement>();
        foreach (var name in new[] { "ann", "ben", "cat" })
        {
            var response = await admin.PostAsJsonAsync("/api/v1/people",
                new { logonName = $"{name}.{suffix}", firstName = name, lastName = "Chain" }, MobileIdApp.Json);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created.Add(await MobileIdApp.ReadJsonAsync(response));
        }

        var first = created[0];
        var edit = await admin.PutAsJsonAsync($"/api/v1/people/{first.GetProperty("id").GetGuid()}",
            new { logonName = first.GetProperty("logonName").GetString(), firstName = "Annie", lastName = "Chain" }, MobileIdApp.Json);
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        var setting = await admin.PutAsJsonAsync("/api/v1/settings", new { values = new { logLevel = 4 } }, MobileIdApp.Json);
        Assert.Equal(HttpStatusCode.OK, setting.StatusCode);
        using var anonymous = App.CreateClient();
        var signIn = await anonymous.PostAsJsonAsync("/api/v1/auth/sign-in", new { logonName = "admin", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);

        // Act
        var verification = await VerifyAsync(App);
        var overHttp = await MobileIdApp.ReadJsonAsync(await admin.GetAsync("/api/v1/audit/verify"));
        var command = await CommandLine.RunAsync(["audit", "verify", .. CommandLine.DatabaseArguments(App.Database)]);

        // Assert
        Assert.True(verification.Intact, verification.Message);
        Assert.Null(verification.FirstBadSequence);
        var actions = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Select(r => r.Action).ToListAsync());
        Assert.Equal(actions.Count, verification.Records);
        Assert.Contains("person.created", actions);
        Assert.Contains("person.updated", actions);
        Assert.Contains("setting.changed", actions);
        Assert.Contains("signin.failed", actions);
        Assert.True(overHttp.GetProperty("intact").GetBoolean(), overHttp.ToString());
        Assert.True(command.ExitCode == 0, $"audit verify exited {command.ExitCode}: {command.Output}{command.Error}");
        Assert.Contains("Audit chain intact", command.Output, StringComparison.Ordinal);
        Assert.Equal("", command.Error);
    }

    [Fact]
    public async Task UpdateAndDelete_TriggersInPlace_AreRefusedByTheDatabase()
    {
        // Arrange
        await App.CreatePersonAsync("refused." + Guid.NewGuid().ToString("N")[..8]);
        var before = await VerifyAsync(App);
        Assert.True(before.Intact, before.Message);

        // Act
        var (update, delete) = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var last = await db.AuditRecords.MaxAsync(r => r.Sequence);
            var update = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlAsync($"UPDATE audit_records SET \"Details\" = {"tampered"} WHERE \"Sequence\" = {last}"));
            var delete = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlAsync($"DELETE FROM audit_records WHERE \"Sequence\" = {last}"));
            return (update, delete);
        });

        // Assert
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.Message, StringComparison.Ordinal);
        var after = await VerifyAsync(App);
        Assert.True(after.Intact, after.Message);
        Assert.Equal(before.Records, after.Records);
        Assert.Equal(before.HeadHash, after.HeadHash);
    }

    [Fact]
    public async Task CreatePerson_FortyConcurrentRequests_ChainStaysContiguousAndComplete()
    {
        // Arrange
        const int Writers = 40;
        using var admin = await App.AdminClientAsync();
        var before = await VerifyAsync(App);
        Assert.True(before.Intact, before.Message);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Act: every request is in flight before any is allowed to start.
        var requests = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await admin.PostAsJsonAsync("/api/v1/people",
                new { logonName = $"par{i}.{suffix}", lastName = "Parallel" }, MobileIdApp.Json);
        })).ToList();
        start.SetResult();
        var responses = await Task.WhenAll(requests);

        // Assert
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created,
                $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var ids = new List<Guid>();
        foreach (var response in responses)
        {
            ids.Add((await MobileIdApp.ReadJsonAsync(response)).GetProperty("id").GetGuid());
        }

        var after = await VerifyAsync(App);
        Assert.True(after.Intact, after.Message);
        Assert.Equal(before.Records + Writers, after.Records);
        var (sequences, head, createdFor) = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var sequences = await db.AuditRecords.OrderBy(r => r.Sequence).Select(r => r.Sequence).ToListAsync();
            var head = await db.AuditHeads.AsNoTracking().SingleAsync();
            var createdFor = await db.AuditRecords
                .Where(r => r.Action == "person.created" && r.TargetPersonId != null && ids.Contains(r.TargetPersonId.Value))
                .Select(r => r.TargetPersonId!.Value).ToListAsync();
            return (sequences, head, createdFor);
        });
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(sequences.Count, head.LastSequence);
        Assert.Equal(after.HeadHash, head.LastHash);
        Assert.Equal(ids.Order(), createdFor.Order());
    }

    [Fact]
    public async Task Verify_WhileAuditedWritesGoOn_NeverReportsTampering()
    {
        // Arrange: four writers append to the chain while the verifier runs again and again.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                await App.CreatePersonAsync($"live{w}x{i}.{suffix}");
            }
        })).ToList();
        var all = Task.WhenAll(writers);

        // Act
        var verifications = new List<AuditVerification>();
        while (!all.IsCompleted)
        {
            verifications.Add(await VerifyAsync(App));
        }

        await all;
        verifications.Add(await VerifyAsync(App));

        // Assert
        Assert.True(verifications.Count >= 3, $"Only {verifications.Count} verifications overlapped the writes.");
        Assert.All(verifications, v => Assert.True(v.Intact, v.Message));
    }

    [Fact]
    public async Task SaveChanges_ChangeRefusedByTheDatabase_LeavesNoAuditRecord()
    {
        // Arrange: a second person with the same logon name breaks the unique index at SaveChanges.
        var existing = await App.CreatePersonAsync("unique." + Guid.NewGuid().ToString("N")[..8]);
        var before = await VerifyAsync(App);
        Assert.True(before.Intact, before.Message);
        var duplicateId = Guid.CreateVersion7();

        // Act
        var failure = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var audit = s.GetRequiredService<AuditTrail>();
            var now = DateTime.UtcNow;
            var duplicate = new Person
            {
                Id = duplicateId, LogonName = existing.LogonName, NormalizedLogonName = PersonRules.Normalize(existing.LogonName),
                LastName = "Duplicate", Status = PersonStatus.Active, CreatedAt = now, UpdatedAt = now,
            };
            db.People.Add(duplicate);
            audit.Record(Caller.System("test"), "person.created", Workflow.AddPerson, AuditTarget.For(duplicate), AuditOutcome.Success);
            return await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        });

        // Assert
        Assert.NotNull(failure.InnerException);
        var (recorded, head) = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            return (await db.AuditRecords.CountAsync(r => r.TargetPersonId == duplicateId), await db.AuditHeads.AsNoTracking().SingleAsync());
        });
        Assert.Equal(0, recorded);
        Assert.Equal(before.Records, head.LastSequence);
        Assert.Equal(before.HeadHash, head.LastHash);
        var after = await VerifyAsync(App);
        Assert.True(after.Intact, after.Message);
        Assert.Equal(before.Records, after.Records);

        // The next change chains on from the same head, as if the failed one never happened.
        await App.CreatePersonAsync("next." + Guid.NewGuid().ToString("N")[..8]);
        var next = await VerifyAsync(App);
        Assert.True(next.Intact, next.Message);
        Assert.Equal(before.Records + 1, next.Records);
    }

    [Fact]
    public async Task Verify_FieldEdited_FailsNamingThatRecord()
    {
        await TamperAndAssertAsync(
            (db, last) => db.Database.ExecuteSqlAsync(
                $"UPDATE audit_records SET \"ActorName\" = {"somebody-else"} WHERE \"Sequence\" = {last - 2}"),
            last => last - 2,
            "altered");
    }

    [Fact]
    public async Task Verify_DetailsEditedAndItsHashRecomputed_FailsNamingTheNextRecord()
    {
        // An attacker who knows the algorithm re-hashes the edited record; the next link still breaks.
        await TamperAndAssertAsync(
            async (db, last) =>
            {
                var record = await db.AuditRecords.AsNoTracking().SingleAsync(r => r.Sequence == last - 3);
                record.Details = "{\"forged\":true}";
                var hash = AuditChain.ComputeHash(record);
                await db.Database.ExecuteSqlAsync(
                    $"UPDATE audit_records SET \"Details\" = {record.Details}, \"Hash\" = {hash} WHERE \"Sequence\" = {last - 3}");
            },
            last => last - 2,
            "does not follow");
    }

    [Fact]
    public async Task Verify_MiddleRowDeleted_FailsNamingTheMissingRecord()
    {
        await TamperAndAssertAsync(
            (db, last) => db.Database.ExecuteSqlAsync($"DELETE FROM audit_records WHERE \"Sequence\" = {last / 2}"),
            last => last / 2,
            "missing");
    }

    [Fact]
    public async Task Verify_TwoRowsSwapped_FailsNamingTheFirstMovedRecord()
    {
        await TamperAndAssertAsync(
            async (db, last) =>
            {
                // Record #3 and record #last-1 change places.
                await db.Database.ExecuteSqlAsync($"UPDATE audit_records SET \"Sequence\" = {-1L} WHERE \"Sequence\" = {3L}");
                await db.Database.ExecuteSqlAsync($"UPDATE audit_records SET \"Sequence\" = {3L} WHERE \"Sequence\" = {last - 1}");
                await db.Database.ExecuteSqlAsync($"UPDATE audit_records SET \"Sequence\" = {last - 1} WHERE \"Sequence\" = {-1L}");
            },
            _ => 3,
            "altered");
    }

    [Fact]
    public async Task Verify_LastRowDeleted_FailsNamingTheMissingRecord()
    {
        await TamperAndAssertAsync(
            (db, last) => db.Database.ExecuteSqlAsync($"DELETE FROM audit_records WHERE \"Sequence\" = {last}"),
            last => last,
            "missing");
    }

    [Fact]
    public async Task Verify_ForgedRecordAppendedPastTheHead_FailsNamingIt()
    {
        // A well-formed record, chained to the last one, but written without moving the chain head.
        await TamperAndAssertAsync(
            async (db, last) =>
            {
                var previous = await db.AuditRecords.AsNoTracking().SingleAsync(r => r.Sequence == last);
                var forged = new AuditRecord
                {
                    Sequence = last + 1, OccurredAt = AuditChain.Truncate(DateTime.UtcNow), ActorKind = "system", ActorName = "init",
                    Action = "person.created", Outcome = AuditOutcome.Success, PreviousHash = previous.Hash, Hash = "",
                };
                forged.Hash = AuditChain.ComputeHash(forged);
                db.AuditRecords.Add(forged);
                await db.SaveChangesAsync();
            },
            last => last + 1,
            "outside the chain");
    }

    /// <summary>
    /// On a database of its own: real actions, then the triggers are switched off as a database owner
    /// could, <paramref name="tamper"/> runs, and both the verifier and <c>audit verify</c> must name the record.
    /// </summary>
    private async Task TamperAndAssertAsync(Func<MobileIdDbContext, long, Task> tamper, Func<long, long> expectedBad, string expectedWord)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var app = new MobileIdApp(database);
        using var admin = await app.AdminClientAsync();
        for (var i = 0; i < 4; i++)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/people", new { logonName = $"tamper{i}", lastName = "Tamper" }, MobileIdApp.Json);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var before = await VerifyAsync(app);
        Assert.True(before.Intact, before.Message);
        Assert.True(before.Records >= 8, $"Expected a chain of at least 8 records, got {before.Records}.");
        var last = before.Records;
        var bad = expectedBad(last);

        // Act
        await app.WithDbAsync(async db =>
        {
            if (Provider == DatabaseProvider.Sqlite)
            {
                await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_records_no_update;");
                await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_records_no_delete;");
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_records DISABLE TRIGGER USER;");
            }

            await tamper(db, last);
        });
        var verification = await VerifyAsync(app);
        var command = await CommandLine.RunAsync(["audit", "verify", .. CommandLine.DatabaseArguments(database)]);

        // Assert
        Assert.False(verification.Intact, verification.Message);
        Assert.Equal(bad, verification.FirstBadSequence);
        AssertNamesRecord(verification.Message, bad);
        Assert.Contains(expectedWord, verification.Message, StringComparison.Ordinal);
        Assert.True(command.ExitCode == 1, $"audit verify exited {command.ExitCode}: {command.Output}{command.Error}");
        AssertNamesRecord(command.Error, bad);
        Assert.DoesNotContain("intact", command.Output, StringComparison.Ordinal);
    }

    private static Task<AuditVerification> VerifyAsync(MobileIdApp app) =>
        app.WithServicesAsync(s => s.GetRequiredService<AuditVerifier>().VerifyAsync(CancellationToken.None));

    /// <summary>The text names record #<paramref name="sequence"/> (and not, say, #<paramref name="sequence"/>0).</summary>
    private static void AssertNamesRecord(string text, long sequence) =>
        Assert.True(Regex.IsMatch(text, $"#{sequence}(?![0-9])"), $"Expected the message to name record #{sequence}: {text}");
}

public sealed class SqliteAuditChainTests(SqliteAppFixture fixture) : AuditChainTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresAuditChainTests(PostgresAppFixture fixture) : AuditChainTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>
{
    private readonly PostgresAppFixture _fixture = fixture;

    [Fact]
    public async Task Truncate_TriggersInPlace_IsRefusedByTheDatabase()
    {
        // Arrange
        await _fixture.App.CreatePersonAsync("truncate." + Guid.NewGuid().ToString("N")[..8]);

        // Act
        var error = await _fixture.App.WithServicesAsync(s => Assert.ThrowsAnyAsync<DbException>(() =>
            s.GetRequiredService<MobileIdDbContext>().Database.ExecuteSqlRawAsync("TRUNCATE audit_records;")));

        // Assert
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        var count = await _fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.CountAsync());
        Assert.True(count > 0);
    }
}
