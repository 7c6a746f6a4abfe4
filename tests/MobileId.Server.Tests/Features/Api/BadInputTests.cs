using System.Net.Http.Headers;
using System.Text;

namespace MobileId.Server.Tests.Features.Api;

/// <summary>
/// Requests the API cannot take (PRODUCT.md §7: every API error is a problem-details response that
/// says what is wrong): each answers application/problem+json with a stable code, and writes nothing.
/// </summary>
public abstract class BadInputTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private const string People = "/api/v1/people";

    /// <summary>MobileId:Api:MaxRequestBodyBytes by default.</summary>
    private const int MaxRequestBodyBytes = 1024 * 1024;

    public static TheoryData<string, string[]> MalformedJson => new()
    {
        // body, words the detail must hold to point at the place
        { """{"logonName": "truncated", "lastName": "T" """, ["line 1", "position"] },
        { """{"logonName": "garbage", "lastName": "G"} trailing""", ["line 1", "position 43"] },
        { "{\n  \"logonName\": \"third\",\n  \"lastName\": \"Line\",,\n}", ["line 3"] },
        { """{"logonName": 42, "lastName": "Number"}""", ["'$.logonName'"] },
        { """{"logonName": "status", "lastName": "S", "status": "Sleeping"}""", ["'$.status'"] },
        { """{"logonName": "group", "lastName": "G", "groupId": "not-a-guid"}""", ["'$.groupId'"] },
        { """["logonName", "array"]""", ["'$'"] },
    };

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public async Task PostPerson_MalformedJson_Returns400InvalidJsonThatPointsAtThePlace(string body, string[] fragments)
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        // Act
        var response = await client.PostAsync(People, Json(body));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.InvalidJson);
        var detail = problem.GetProperty("detail").GetString();
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, detail, StringComparison.Ordinal);
        }

        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PutSettings_MalformedJson_Returns400InvalidJson()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.PutAsync("/api/v1/settings", Json("""{"values": {"logLevel": 3"""));

        await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.InvalidJson);
    }

    [Fact]
    public async Task PostPerson_UnknownField_Returns400UnknownFieldNamingIt()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        // Act
        var response = await client.PostAsync(People, Json("""{"logonName": "unknown.field", "lastName": "U", "nickName": "Bob"}"""));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.UnknownField);
        Assert.Contains("nickName", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PutSettings_UnknownTopLevelField_Returns400UnknownField()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.PutAsync("/api/v1/settings", Json("""{"values": {"logLevel": 3}, "value": {"logLevel": 4}}"""));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.UnknownField);
        Assert.Contains(": 'value'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPerson_BodyOverLimitWithContentLength_Returns413()
    {
        // Arrange: a valid person padded with whitespace past the limit; without the limit it would be created.
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();
        var content = Json(PaddedPerson("big.length", MaxRequestBodyBytes + 1));
        Assert.True(content.Headers.ContentLength > MaxRequestBodyBytes);

        // Act
        var response = await client.PostAsync(People, content);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 413, ErrorCodes.BodyTooLarge);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PostPerson_BodyOverLimitChunked_Returns413()
    {
        // Arrange: no Content-Length, so the limit can only be found while reading.
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(PaddedPerson("big.chunked", MaxRequestBodyBytes + 1))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Null(content.Headers.ContentLength);

        // Act
        var response = await client.PostAsync(People, content);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 413, ErrorCodes.BodyTooLarge);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PostPerson_BodyUnderLimitChunked_IsCreated()
    {
        // The counterpart of the test above: a chunked body within the limit is read normally.
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(PaddedPerson("small.chunked", MaxRequestBodyBytes - 100))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync(People, content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(before + 1, await CountPeopleAsync());
    }

    [Fact]
    public async Task PostPerson_TextPlain_Returns415()
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        var response = await client.PostAsync(People,
            new StringContent("""{"logonName": "plain.text", "lastName": "P"}""", Encoding.UTF8, "text/plain"));

        var problem = await MobileIdApp.AssertProblemAsync(response, 415, ErrorCodes.UnsupportedMediaType);
        Assert.Equal(ErrorCodes.TypeUri(ErrorCodes.UnsupportedMediaType), problem.GetProperty("type").GetString());
        Assert.Contains("send Content-Type: application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("text/plain", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PostPerson_EmptyBody_Returns400SayingTheBodyIsMissing()
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        var response = await client.PostAsync(People, Json(""));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.BadRequest);
        Assert.Contains("body is missing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task PostPerson_JsonNull_Returns400()
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        var response = await client.PostAsync(People, Json("null"));

        await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.BadRequest);
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Theory]
    [InlineData("GET", "/api/v1/no-such-thing")]
    [InlineData("POST", "/api/v1/no-such-thing")]
    [InlineData("GET", "/api/v1/people/not-a-guid")]
    public async Task UnknownRoute_UnderApi_Returns404ProblemJson(string method, string path)
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await CountPeopleAsync();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Json("{}") : null });

        var problem = await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
        Assert.Contains($"{method} {path}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.TypeUri(ErrorCodes.NotFound), problem.GetProperty("type").GetString());
        Assert.Equal(before, await CountPeopleAsync());
    }

    [Fact]
    public async Task GetPerson_UnknownId_Returns404ProblemJson()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.GetAsync($"{People}/{Guid.NewGuid()}");

        await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-3", "page")]
    [InlineData("pageSize=10000", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("page=0&pageSize=10000", "page")]
    public async Task FindPerson_InvalidPaging_Returns400ValidationFailed(string query, string field)
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.GetAsync($"{People}?{query}");

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task FindPerson_PageNotANumber_Returns400NamingTheParameter()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.GetAsync($"{People}?page=two");

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal("'two' is not a valid value for 'page': it must be a whole number.", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("page", out _));
    }

    [Fact]
    public async Task DeleteSettings_MethodNotAllowed_Returns405ProblemJson()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await client.DeleteAsync("/api/v1/settings");

        var problem = await MobileIdApp.AssertProblemAsync(response, 405, ErrorCodes.BadRequest);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("DELETE /api/v1/settings", detail, StringComparison.Ordinal);
        Assert.Contains("GET", detail, StringComparison.Ordinal);
        Assert.Contains("PUT", detail, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string PaddedPerson(string logon, int size)
    {
        var head = $$"""{"logonName": "{{logon}}", "lastName": "Padded"}""";
        return head[..^1] + new string(' ', Math.Max(0, size - head.Length)) + "}";
    }

    private async Task<int> CountPeopleAsync()
    {
        var count = 0;
        await fixture.App.WithDbAsync(async db => count = await db.People.CountAsync());
        return count;
    }

    /// <summary>A body the client cannot measure, so it goes without Content-Length.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

public sealed class SqliteBadInputTests(SqliteAppFixture fixture) : BadInputTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresBadInputTests(PostgresAppFixture fixture) : BadInputTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
