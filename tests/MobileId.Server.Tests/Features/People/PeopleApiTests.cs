using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.People;

/// <summary>
/// People over the REST API (PRODUCT.md §2): add, find, edit with versions, photos, CSV import.
/// Tests share one database per class, so each works on people and groups named with its own token.
/// </summary>
public abstract partial class PeopleApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
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
}

public sealed class SqlitePeopleApiTests(SqliteAppFixture fixture) : PeopleApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresPeopleApiTests(PostgresAppFixture fixture) : PeopleApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
