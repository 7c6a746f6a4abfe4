using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.People;

public abstract partial class PeopleApiTests<TFixture>
{
    // ------------------------------------------------------------------ import

    [Fact]
    public async Task ImportPeople_GoodFile_CreatesPeopleAndGroupsAndASecondImportChangesNothing()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"""
            logonName,firstName,lastName,email,mobile,group
            imp1.{t},Ann,Imp{t},ann.{t}@example.org,+1 555 0100,Corp{t}/Engineering
            imp2.{t},Ben,Imp{t},ben.{t}@example.org,,Corp{t}/Engineering
            imp3.{t},Cid,Imp{t},,,Corp{t}
            """;

        // Act
        var first = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));
        var groupsAfterFirst = await GroupPathsAsync(client, t);
        var second = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var report = await ReadAsync<ImportReport>(first);
        Assert.Equal((3, 3, 0, 0), (report.Rows, report.Created, report.Updated, report.Unchanged));
        Assert.Empty(report.Rejected);
        Assert.Equal([$"Corp{t}", $"Corp{t}/Engineering"], groupsAfterFirst.Keys.Order(StringComparer.Ordinal));

        var people = await SearchAsync(client, $"q=imp{t}");
        Assert.Equal(3, people.Total);
        var ann = people.Items.Single(p => p.LogonName == $"imp1.{t}");
        Assert.Equal(("Ann", $"ann.{t}@example.org", "+1 555 0100"), (ann.FirstName, ann.Email, ann.Mobile));
        Assert.Equal(groupsAfterFirst[$"Corp{t}/Engineering"], ann.GroupId);
        Assert.Equal(groupsAfterFirst[$"Corp{t}"], people.Items.Single(p => p.LogonName == $"imp3.{t}").GroupId);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var again = await ReadAsync<ImportReport>(second);
        Assert.Equal((3, 0, 0, 3), (again.Rows, again.Created, again.Updated, again.Unchanged));
        Assert.Equal(groupsAfterFirst, await GroupPathsAsync(client, t));
        Assert.Equal(3, (await SearchAsync(client, $"q=imp{t}")).Total);
    }

    [Fact]
    public async Task ImportPeople_ChangedRow_UpdatesThatPersonOnly()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var header = "logonName,lastName,email\n";
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(client, Encoding.UTF8.GetBytes(header + $"chg1.{t},Chg{t},\nchg2.{t},Chg{t},\n"))).StatusCode);

        var response = await ImportAsync(client, Encoding.UTF8.GetBytes(header + $"CHG1.{t},Chg{t},new.{t}@example.org\nchg2.{t},Chg{t},\n"));

        var report = await ReadAsync<ImportReport>(response);
        Assert.Equal((2, 0, 1, 1), (report.Rows, report.Created, report.Updated, report.Unchanged));
        var updated = (await SearchAsync(client, $"q=chg1.{t}")).Items.Single();
        Assert.Equal($"new.{t}@example.org", updated.Email);
        Assert.Equal(2, (await SearchAsync(client, $"q=chg{t}")).Total);
    }

    [Fact]
    public async Task ImportPeople_SomeBadRows_Returns400ListingEveryBadLineAndWritesNoOne()
    {
        // Arrange: good rows on lines 2, 5 and 9; every other data row is bad in its own way.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"""
            logonName,firstName,lastName,email,roles
            good1.{t},Good,Bad{t},good1.{t}@example.org,
            email.{t},Bad,Bad{t},not-an-email,
            ,Missing,Bad{t},missing.{t}@example.org,
            dup.{t},Dup,Bad{t},,
            DUP.{t},Dup,Bad{t},,
            role.{t},Role,Bad{t},,No Such Role
            wide.{t},Wide,Bad{t},,,extra
            good2.{t},Good,Bad{t},,Cardholder
            """;
        var before = await CountPeopleAsync();

        // Act
        var response = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var rejected = RejectedRows(problem);
        Assert.Equal([3, 4, 6, 7, 8], rejected.Keys);
        Assert.Contains("Email 'not-an-email' is not a valid email address.", rejected[3]);
        Assert.Contains("Logon name is required.", rejected[4]);
        Assert.Contains($"also appears on line 5", rejected[6]);
        Assert.Contains("role 'No Such Role' does not exist", rejected[7]);
        Assert.Contains("6 fields but the header has 5 columns", rejected[8]);
        Assert.Contains("nothing was imported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync());
        Assert.Equal(0, (await SearchAsync(client, $"q=bad{t}")).Total);
    }

    [Fact]
    public async Task ImportPeople_OnlyARowWithTooManyFields_Returns400WithThatLine()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var before = await CountPeopleAsync();

        var response = await ImportAsync(client, Encoding.UTF8.GetBytes($"logonName,lastName\nok.{t},Wide{t}\nwide.{t},Wide{t},Smith, Jr\n"));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var rejected = RejectedRows(problem);
        Assert.Equal([3], rejected.Keys);
        Assert.Contains("quote values that contain the delimiter", rejected[3]);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task ImportPeople_UnknownColumnInHeader_Returns400NamingItAndWritesNoOne()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"logonName,lastName,nickname\nnick.{t},Nick{t},Nicky\n";
        var before = await CountPeopleAsync();

        // Act
        var response = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var header = problem.GetProperty("errors").GetProperty("header")[0].GetString();
        Assert.Contains("Unknown column 'nickname'", header, StringComparison.Ordinal);
        Assert.Contains("Known columns: logonName", header, StringComparison.Ordinal);
        var rejected = RejectedRows(problem);
        Assert.Equal([1], rejected.Keys);
        Assert.Contains("'nickname'", rejected[1]);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task ImportPeople_BlankLinesBeforeABadRow_ReportsItsLineInTheFile()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"logonName,lastName,email\n\nblank1.{t},Blank{t},\n\n\nblank2.{t},Blank{t},nope\n";

        var response = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal([6], RejectedRows(problem).Keys);
    }

    [Fact]
    public async Task ImportPeople_Latin1File_ReadsAccentedNames()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"logonName,firstName,lastName,group\njose.{t},José,Müller{t},Sección{t}/Ñandú\n";

        var response = await ImportAsync(client, Encoding.Latin1.GetBytes(csv));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var person = (await SearchAsync(client, $"q=jose.{t}")).Items.Single();
        Assert.Equal(("José", $"Müller{t}", "Ñandú"), (person.FirstName, person.LastName, person.GroupName));
        Assert.Contains($"Sección{t}/Ñandú", (await GroupPathsAsync(client, t)).Keys);
        Assert.Equal(person.Id, (await SearchAsync(client, $"q={Uri.EscapeDataString($"MÜLLER{t}")}")).Items.Single().Id);
    }

    [Fact]
    public async Task ImportPeople_Windows1252File_ReadsQuotesAndLettersOutsideLatin1()
    {
        // Arrange: what a spreadsheet program saves in the Western European ANSI code page.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        byte[] csv =
        [
            .. Encoding.ASCII.GetBytes($"logonName,firstName,lastName\nansi.{t},"),
            0x8A, (byte)'t', (byte)'p', (byte)'n', (byte)',', // Š (0x8A)
            (byte)'O', 0x92, (byte)'B', (byte)'r', (byte)'i', (byte)'e', (byte)'n', // ’ (0x92)
            .. Encoding.ASCII.GetBytes(t + "\n"),
        ];

        // Act
        var response = await ImportAsync(client, csv);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var person = (await SearchAsync(client, $"q=ansi.{t}")).Items.Single();
        Assert.Equal(("Štpn", $"O’Brien{t}"), (person.FirstName, person.LastName));
    }

    [Fact]
    public async Task ImportPeople_Utf8WithBom_ReadsTheFirstColumnAndAccents()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"logonName,firstName,lastName\nbom.{t},Zoë,Ærø{t}\n";

        var response = await ImportAsync(client, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var person = (await SearchAsync(client, $"q=bom.{t}")).Items.Single();
        Assert.Equal(("Zoë", $"Ærø{t}"), (person.FirstName, person.LastName));
    }

    [Fact]
    public async Task ImportPeople_SemicolonDelimited_ReadsEveryColumn()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var csv = $"logonName;firstName;lastName;email;group\nsemi.{t};Semi;Colon{t};semi.{t}@example.org;\"Semi{t}/A, B and C\"\n";

        var response = await ImportAsync(client, Encoding.UTF8.GetBytes(csv));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var person = (await SearchAsync(client, $"q=semi.{t}")).Items.Single();
        Assert.Equal(("Semi", $"Colon{t}", $"semi.{t}@example.org", "A, B and C"), (person.FirstName, person.LastName, person.Email, person.GroupName));
    }

    [Fact]
    public async Task ImportPeople_NotCsv_Returns415()
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        var response = await client.PostAsync($"{People}/import", new StringContent($"logonName,lastName\njson.{Token()},Json\n", Encoding.UTF8, "application/json"));

        await MobileIdApp.AssertProblemAsync(response, 415, ErrorCodes.UnsupportedMediaType);
        Assert.Equal(before, await CountPeopleAsync());
    }
}
