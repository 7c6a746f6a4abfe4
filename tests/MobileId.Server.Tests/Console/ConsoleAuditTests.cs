using System.Text.RegularExpressions;
using static MobileId.Testing.Console.ConsoleAdministrators;

namespace MobileId.Server.Tests.Console;

/// <summary>Audit in the console: the filtered list, a record's page, and the chain status from the same verifier as audit verify.</summary>
public sealed partial class ConsoleAuditTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    [GeneratedRegex("<a href=\"/console/audit/(\\d+)\">")]
    private static partial Regex RecordLink();

    [GeneratedRegex("data-testid=\"chain-status\">([a-z]+)<")]
    private static partial Regex ChainStatus();

    [Fact]
    public async Task List_ActionDoneInTheTest_AppearsFilteredAndItsRecordShowsTheDetails()
    {
        // Arrange: a device added through the console is audited as device.added on the device.
        using var browser = await SignedInWithAsync(fixture.App, Scope.All, Workflow.Audit, Workflow.Devices);
        var serial = "SN-" + Guid.NewGuid().ToString("N")[..10];
        using var added = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "ios"));
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var list = await browser.GetStringAsync($"/console/audit?action=device.&target={serial}&from={today}&to={today}");
        var other = await browser.GetStringAsync($"/console/audit?action=role.&target={serial}");
        var record = await browser.GetStringAsync("/console/audit/" + RecordLink().Match(list).Groups[1].Value);

        // Assert
        Assert.Equal(HttpStatusCode.Found, added.StatusCode);
        Assert.Contains("1 record found.", list, StringComparison.Ordinal);
        Assert.Contains("<code>device.added</code>", list, StringComparison.Ordinal);
        Assert.Contains($"<td>{serial}</td>", list, StringComparison.Ordinal);
        Assert.Contains("0 records found.", other, StringComparison.Ordinal);
        Assert.Contains("<h1>Audit record #", record, StringComparison.Ordinal);
        Assert.Contains($"&quot;serial&quot;: &quot;{serial}&quot;", record, StringComparison.Ordinal);
        Assert.Contains("<dd>Devices</dd>", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_BadDate_ShowsTheMessageNextToTheField()
    {
        // Arrange
        using var browser = await SignedInWithAsync(fixture.App, Scope.All, Workflow.Audit);

        // Act
        using var response = await browser.GetAsync("/console/audit?from=yesterday");
        var html = await ReadAsync(response, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"from-error\">&#x27;yesterday&#x27; is not a date: use yyyy-mm-dd.</span>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("records found.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_DepartmentScope_ShowsOnlyRecordsInScopeWithoutTheChain()
    {
        // Arrange: a record about a person in the auditor's group, and one about a person elsewhere.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var group = await fixture.App.CreateGroupAsync("audited-" + tag);
        var inside = await fixture.App.CreatePersonAsync("inside." + tag, group);
        var outside = await fixture.App.CreatePersonAsync("outside." + tag);
        var role = await RoleAsync(fixture.App, Scope.Department, Workflow.Audit);
        using var browser = await SignedInAsync(fixture.App, role, group);
        var outsideRecord = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(r => r.TargetPersonId == outside.Id).Select(r => r.Sequence).FirstAsync());

        // Act
        var list = await browser.GetStringAsync("/console/audit?action=person.created");
        using var hidden = await browser.GetAsync($"/console/audit/{outsideRecord}");

        // Assert
        Assert.Contains($"<td>{inside.LogonName}</td>", list, StringComparison.Ordinal);
        Assert.DoesNotContain($"<td>{outside.LogonName}</td>", list, StringComparison.Ordinal);
        Assert.Contains("Checking the chain needs <strong>Audit</strong> with scope All.", list, StringComparison.Ordinal);
        Assert.DoesNotContain("chain-status", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task Chain_IntactThenARowTampered_ShowsIntactThenBrokenAtThatRecord()
    {
        // Arrange: a server of its own, because this test breaks its chain.
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = new MobileIdApp(database);
        using var browser = await SignedInWithAsync(app, Scope.All, Workflow.Audit);
        var intact = await browser.GetStringAsync("/console/audit");
        var victim = await app.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.MaxAsync(r => r.Sequence)) - 1;

        // Act: someone who can switch off the append-only triggers edits a record.
        await app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_records_no_update;");
            await db.Database.ExecuteSqlAsync($"UPDATE audit_records SET \"ActorName\" = {"somebody-else"} WHERE \"Sequence\" = {victim}");
        });
        var broken = await browser.GetStringAsync("/console/audit");

        // Assert
        Assert.Equal("intact", ChainStatus().Match(intact).Groups[1].Value);
        Assert.Contains("class=\"badge good\"", intact, StringComparison.Ordinal);
        Assert.Equal("broken", ChainStatus().Match(broken).Groups[1].Value);
        Assert.Contains("class=\"badge bad\"", broken, StringComparison.Ordinal);
        Assert.Contains($"Audit record #{victim} has been altered", broken, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/console/audit/{victim}\">See record #{victim}</a>", broken, StringComparison.Ordinal);
    }
}
