using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.People;

/// <summary>
/// People over the REST API (PRODUCT.md §2): add, find, edit with versions, photos, CSV import.
/// Tests share one database per class, so each works on people and groups named with its own token.
/// </summary>
public abstract class PeopleApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private const string People = "/api/v1/people";

    // ------------------------------------------------------------------ create, get, update

    [Fact]
    public async Task CreatePerson_ValidInput_Returns201AndGetReturnsTheSamePerson()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();

        // Act
        var response = await client.PostAsJsonAsync(People, new
        {
            logonName = $"  ada.{t}  ",
            firstName = "Ada",
            lastName = "Lovelace",
            email = $"ada.{t}@example.org",
            mobile = "+44 20 7946 0000",
            employeeId = "E-1815",
            jobTitle = "Analyst",
            organization = "Engines",
        }, MobileIdApp.Json);

        // Assert
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await ReadAsync<PersonView>(response);
        Assert.Equal($"/api/v1/people/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal($"ada.{t}", created.LogonName);
        Assert.Equal("Ada Lovelace", created.DisplayName);
        Assert.Equal($"ada.{t}@example.org", created.Email);
        Assert.Equal("+44 20 7946 0000", created.Mobile);
        Assert.Equal(PersonStatus.Active, created.Status);
        Assert.False(created.HasPhoto);
        Assert.Empty(created.Roles);

        var fetched = await ReadAsync<PersonView>(await client.GetAsync($"{People}/{created.Id}"));
        Assert.Empty(fetched.Roles);
        Assert.Equal(created with { Roles = fetched.Roles, CreatedAt = fetched.CreatedAt, UpdatedAt = fetched.UpdatedAt }, fetched);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(created.UpdatedAt, fetched.UpdatedAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task UpdatePerson_CurrentVersion_AppliesTheChangeAndBumpsTheVersion()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var person = await CreateAsync(client, $"upd.{Token()}", "Before");

        // Act
        var response = await client.PutAsJsonAsync($"{People}/{person.Id}", Input(person) with { LastName = "After", Version = person.Version }, MobileIdApp.Json);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await ReadAsync<PersonView>(response);
        Assert.Equal("After", updated.LastName);
        Assert.Equal(person.Version + 1, updated.Version);
        Assert.Equal("After", (await GetAsync(client, person.Id)).LastName);
    }

    [Fact]
    public async Task UpdatePerson_StaleVersion_Returns409AndKeepsTheOtherChange()
    {
        // Arrange: two editors read version v; the first saves.
        using var client = await fixture.App.AdminClientAsync();
        var person = await CreateAsync(client, $"stale.{Token()}", "Original");
        var first = await client.PutAsJsonAsync($"{People}/{person.Id}", Input(person) with { LastName = "First", Version = person.Version }, MobileIdApp.Json);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // Act: the second saves with the version it read.
        var second = await client.PutAsJsonAsync($"{People}/{person.Id}", Input(person) with { LastName = "Second", Version = person.Version }, MobileIdApp.Json);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(second, 409, ErrorCodes.Conflict);
        Assert.Contains(person.LogonName, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var current = await GetAsync(client, person.Id);
        Assert.Equal("First", current.LastName);
        Assert.Equal(person.Version + 1, current.Version);
    }

    [Fact]
    public async Task UpdatePerson_UnknownId_Returns404()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.PutAsJsonAsync($"{People}/{Guid.NewGuid()}", new PersonInput("nobody", null, "Nobody", null, null, null, null, null, null, null), MobileIdApp.Json);

        await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
    }

    // ------------------------------------------------------------------ validation

    public static TheoryData<string, string, string> InvalidPeople => new()
    {
        // body, field in 'errors', message
        { """{"lastName": "NoLogon"}""", "logonName", "Logon name is required." },
        { """{"logonName": "   ", "lastName": "Blank"}""", "logonName", "Logon name is required." },
        { """{"logonName": "-dash", "lastName": "Dash"}""", "logonName", "Logon name '-dash' may have only letters, digits and . _ @ -" },
        { """{"logonName": "has space", "lastName": "Space"}""", "logonName", "Logon name 'has space' may have only" },
        { """{"logonName": "noname"}""", "lastName", "A first name or a last name is required." },
        { """{"logonName": "bad.email1", "lastName": "E", "email": "bob"}""", "email", "Email 'bob' is not a valid email address." },
        { """{"logonName": "bad.email2", "lastName": "E", "email": "bob@localhost"}""", "email", "Email 'bob@localhost' is not a valid email address." },
        { """{"logonName": "bad.email3", "lastName": "E", "email": "Bob <bob@example.org>"}""", "email", "is not a valid email address." },
        { """{"logonName": "bad.mobile1", "lastName": "M", "mobile": "555-CALL-NOW"}""", "mobile", "Mobile number '555-CALL-NOW' must be 6 to 15 digits" },
        { """{"logonName": "bad.mobile2", "lastName": "M", "mobile": "12345"}""", "mobile", "must be 6 to 15 digits" },
        { """{"logonName": "bad.mobile3", "lastName": "M", "mobile": "+1 234 567 890 123 456"}""", "mobile", "must be 6 to 15 digits" },
        { """{"logonName": "bad.group", "lastName": "G", "groupId": "0195f000-0000-7000-8000-000000000000"}""", "groupId", "Group 0195f000-0000-7000-8000-000000000000 does not exist." },
    };

    [Theory]
    [MemberData(nameof(InvalidPeople))]
    public async Task CreatePerson_InvalidField_Returns400WithTheFieldsMessageAndWritesNothing(string body, string field, string message)
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        // Act
        var response = await client.PostAsync(People, new StringContent(body, Encoding.UTF8, "application/json"));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains(message, StringComparison.Ordinal));
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task CreatePerson_LogonTakenInAnotherCase_Returns409()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        await CreateAsync(client, $"Taken.{t}", "First");
        var before = await CountPeopleAsync();

        var response = await client.PostAsJsonAsync(People, new { logonName = $"tAKEN.{t.ToUpperInvariant()}", lastName = "Second" }, MobileIdApp.Json);

        var problem = await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        Assert.Contains("already in use", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task UpdatePerson_ToAnotherPersonsLogonInAnotherCase_Returns409()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        await CreateAsync(client, $"owner.{t}", "Owner");
        var other = await CreateAsync(client, $"other.{t}", "Other");

        var response = await client.PutAsJsonAsync($"{People}/{other.Id}", Input(other) with { LogonName = $"OWNER.{t}" }, MobileIdApp.Json);

        await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        Assert.Equal($"other.{t}", (await GetAsync(client, other.Id)).LogonName);
    }

    // ------------------------------------------------------------------ search

    [Theory]
    [InlineData("logon")]
    [InlineData("first")]
    [InlineData("last")]
    [InlineData("email")]
    public async Task FindPerson_QueryInAnotherCase_MatchesThatField(string field)
    {
        // Arrange: each field carries its own marker, so a hit can only come from that field.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var person = await CreateAsync(client, $"lgn{t}", $"Lst{t}", firstName: $"Fst{t}", email: $"eml{t}@example.org");
        await CreateAsync(client, $"decoy{Token()}", $"Decoy{Token()}");
        var q = field switch
        {
            "logon" => $"LGN{t}",
            "first" => $"fST{t}",
            "last" => $"lsT{t}",
            _ => $"EML{t}@EXAMPLE.ORG",
        };

        // Act
        var result = await SearchAsync(client, $"q={Uri.EscapeDataString(q.ToUpperInvariant())}");

        // Assert
        Assert.Equal(1, result.Total);
        Assert.Equal(person.Id, Assert.Single(result.Items).Id);
    }

    [Fact]
    public async Task FindPerson_QueryWithLikeWildcards_MatchesThemLiterally()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var underscore = await CreateAsync(client, $"wild_a{t}", "Wild");
        await CreateAsync(client, $"wildXa{t}", "Wild");

        var result = await SearchAsync(client, $"q=wild_a{t}");
        var percent = await SearchAsync(client, $"q={Uri.EscapeDataString($"wild%a{t}")}");

        Assert.Equal(underscore.Id, Assert.Single(result.Items).Id);
        Assert.Equal(0, percent.Total);
    }

    [Fact]
    public async Task FindPerson_Paging_EveryPersonOnExactlyOnePageAndTotalOnEach()
    {
        // Arrange: seven people that only this test's query finds.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await CreateAsync(client, $"page{i}.{t}", $"Pager{t} {i}")).Id);
        }

        // Act
        var pages = new List<PagedResult<PersonView>>();
        for (var page = 1; page <= 4; page++)
        {
            pages.Add(await SearchAsync(client, $"q=pager{t}&page={page}&pageSize=3"));
        }

        // Assert
        Assert.Equal([3, 3, 1, 0], pages.Select(p => p.Items.Count));
        Assert.All(pages, p => Assert.Equal(7, p.Total));
        Assert.All(pages, p => Assert.Equal(3, p.PageSize));
        Assert.Equal([1, 2, 3, 4], pages.Select(p => p.Page));
        var seen = pages.SelectMany(p => p.Items.Select(i => i.Id)).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(ids, seen); // sorted by last name: Pager… 0 to 6
    }

    [Fact]
    public async Task FindPerson_GroupFilter_IncludesSubgroupsOnlyWhenAsked()
    {
        // Arrange: Root > Child > Grandchild, one person in each, one outside.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var root = await fixture.App.CreateGroupAsync($"Root{t}");
        var child = await fixture.App.CreateGroupAsync("Child", root);
        var grandchild = await fixture.App.CreateGroupAsync("Grandchild", child);
        var outside = await fixture.App.CreateGroupAsync($"Outside{t}");
        var inRoot = await CreateAsync(client, $"root.{t}", "Root", groupId: root);
        var inChild = await CreateAsync(client, $"child.{t}", "Child", groupId: child);
        var inGrandchild = await CreateAsync(client, $"grand.{t}", "Grand", groupId: grandchild);
        await CreateAsync(client, $"out.{t}", "Out", groupId: outside);

        // Act
        var rootOnly = await SearchAsync(client, $"groupId={root}");
        var rootAndBelow = await SearchAsync(client, $"groupId={root}&includeSubgroups=true");
        var childAndBelow = await SearchAsync(client, $"groupId={child}&includeSubgroups=true");
        var grandchildAndBelow = await SearchAsync(client, $"groupId={grandchild}&includeSubgroups=true");

        // Assert
        Assert.Equal([inRoot.Id], rootOnly.Items.Select(p => p.Id));
        Assert.Equal(3, rootAndBelow.Total);
        Assert.Equal(new[] { inRoot.Id, inChild.Id, inGrandchild.Id }.Order(), rootAndBelow.Items.Select(p => p.Id).Order());
        Assert.Equal(new[] { inChild.Id, inGrandchild.Id }.Order(), childAndBelow.Items.Select(p => p.Id).Order());
        Assert.Equal([inGrandchild.Id], grandchildAndBelow.Items.Select(p => p.Id));
        Assert.Equal("Child", inChild.GroupName);
    }

    // ------------------------------------------------------------------ photo

    /// <summary>A 1×1 RGBA PNG: signature, IHDR, IDAT, IEND, each CRC correct.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    [Theory]
    [InlineData("image/png")]
    [InlineData("image/jpeg")]
    public async Task SetPhoto_RealImage_GetReturnsTheSameBytesAndType(string contentType)
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var person = await CreateAsync(client, $"photo.{Token()}", "Photo");
        var image = contentType == "image/png" ? Png : Jpeg();

        // Act
        var put = await client.PutAsync($"{People}/{person.Id}/photo", Bytes(image, contentType));

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var get = await client.GetAsync($"{People}/{person.Id}/photo");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(contentType, get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(image, await get.Content.ReadAsByteArrayAsync());
        var after = await GetAsync(client, person.Id);
        Assert.True(after.HasPhoto);
        Assert.Equal(person.Version + 1, after.Version);
    }

    [Theory]
    [InlineData("text", "text/plain")]
    [InlineData("text", "image/png")]
    [InlineData("png", "image/jpeg")]
    [InlineData("jpeg", "image/png")]
    [InlineData("png", "image/gif")]
    public async Task SetPhoto_NotWhatItClaims_Returns415AndStoresNothing(string data, string contentType)
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var person = await CreateAsync(client, $"nophoto.{Token()}", "NoPhoto");
        var bytes = data switch
        {
            "png" => Png,
            "jpeg" => Jpeg(),
            _ => Encoding.UTF8.GetBytes("This is a text file, not a photo.\n"),
        };

        // Act
        var response = await client.PutAsync($"{People}/{person.Id}/photo", Bytes(bytes, contentType));

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 415, ErrorCodes.UnsupportedMediaType);
        await MobileIdApp.AssertProblemAsync(await client.GetAsync($"{People}/{person.Id}/photo"), 404, ErrorCodes.NotFound);
        var after = await GetAsync(client, person.Id);
        Assert.False(after.HasPhoto);
        Assert.Equal(person.Version, after.Version);
    }

    [Fact]
    public async Task SetPhoto_RefusedUpload_KeepsThePreviousPhoto()
    {
        using var client = await fixture.App.AdminClientAsync();
        var person = await CreateAsync(client, $"keep.{Token()}", "Keep");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"{People}/{person.Id}/photo", Bytes(Png, "image/png"))).StatusCode);

        var refused = await client.PutAsync($"{People}/{person.Id}/photo", Bytes(Encoding.UTF8.GetBytes("GIF89a not really"), "image/jpeg"));

        await MobileIdApp.AssertProblemAsync(refused, 415, ErrorCodes.UnsupportedMediaType);
        var get = await client.GetAsync($"{People}/{person.Id}/photo");
        Assert.Equal("image/png", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await get.Content.ReadAsByteArrayAsync());
    }

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

    // ------------------------------------------------------------------ helpers

    private static string Token() => Guid.NewGuid().ToString("N")[..8];

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, MobileIdApp.Json)!;
    }

    private static async Task<PersonView> CreateAsync(HttpClient client, string logon, string lastName, string? firstName = null, string? email = null, Guid? groupId = null)
    {
        var response = await client.PostAsJsonAsync(People, new PersonInput(logon, firstName, lastName, email, null, groupId, null, null, null, null), MobileIdApp.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadAsync<PersonView>(response);
    }

    private static async Task<PersonView> GetAsync(HttpClient client, Guid id) =>
        await ReadAsync<PersonView>(await client.GetAsync($"{People}/{id}"));

    private static async Task<PagedResult<PersonView>> SearchAsync(HttpClient client, string query) =>
        await ReadAsync<PagedResult<PersonView>>(await client.GetAsync($"{People}?{query}"));

    private static PersonInput Input(PersonView p) =>
        new(p.LogonName, p.FirstName, p.LastName, p.Email, p.Mobile, p.GroupId, p.EmployeeId, p.JobTitle, p.Organization, p.Status);

    private static ByteArrayContent Bytes(byte[] data, string contentType)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client, byte[] csv) =>
        client.PostAsync($"{People}/import", Bytes(csv, "text/csv"));

    /// <summary>Line → the reasons given for it, from a rejected import.</summary>
    private static SortedDictionary<int, string> RejectedRows(JsonElement problem) =>
        new(problem.GetProperty("rejectedRows").EnumerateArray().ToDictionary(
            r => r.GetProperty("line").GetInt32(),
            r => string.Join(" ", r.GetProperty("errors").EnumerateArray().Select(e => e.GetString()))));

    /// <summary>Group path → id, for the groups whose path holds the token.</summary>
    private static async Task<Dictionary<string, Guid>> GroupPathsAsync(HttpClient client, string token) =>
        (await ReadAsync<PagedResult<GroupView>>(await client.GetAsync($"/api/v1/groups?pageSize=200&q={Uri.EscapeDataString(token)}"))).Items
            .Where(g => g.Path.Contains(token, StringComparison.Ordinal))
            .ToDictionary(g => g.Path, g => g.Id, StringComparer.Ordinal);

    private async Task<int> CountPeopleAsync()
    {
        var count = 0;
        await fixture.App.WithDbAsync(async db => count = await db.People.CountAsync());
        return count;
    }

    /// <summary>
    /// An 8×8 grey baseline JPEG built segment by segment (ITU T.81): one component, a quantisation
    /// table of ones, and Huffman tables with a single one-bit code each, so the one block is
    /// "DC difference 0, end of block".
    /// </summary>
    private static byte[] Jpeg()
    {
        var bytes = new List<byte> { 0xFF, 0xD8 }; // SOI
        bytes.AddRange([0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]); // APP0 JFIF 1.1
        bytes.AddRange([0xFF, 0xDB, 0x00, 0x43, 0x00]); // DQT, table 0, 8-bit
        bytes.AddRange(Enumerable.Repeat((byte)1, 64));
        bytes.AddRange([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]); // SOF0: 8 bits, 8×8, 1 component
        foreach (var table in new byte[] { 0x00, 0x10 }) // DHT: DC table 0, AC table 0
        {
            bytes.AddRange([0xFF, 0xC4, 0x00, 0x14, table, 0x01]);
            bytes.AddRange(Enumerable.Repeat((byte)0, 15));
            bytes.Add(0x00); // the one symbol: DC category 0 / AC end of block
        }

        bytes.AddRange([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]); // SOS
        bytes.Add(0x3F); // bits 0 (DC) 0 (EOB), padded with ones
        bytes.AddRange([0xFF, 0xD9]); // EOI
        return [.. bytes];
    }
}

public sealed class SqlitePeopleApiTests(SqliteAppFixture fixture) : PeopleApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresPeopleApiTests(PostgresAppFixture fixture) : PeopleApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
