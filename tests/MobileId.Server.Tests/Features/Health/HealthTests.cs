namespace MobileId.Server.Tests.Features.Health;

public abstract class HealthTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    [Fact]
    public async Task Ready_FreshDatabase_Returns200WithEveryCheckHealthy()
    {
        // Arrange
        using var client = fixture.App.CreateClient();

        // Act
        var response = await client.GetAsync("/health/ready");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Live_Always_Returns200()
    {
        using var client = fixture.App.CreateClient();
        var response = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterRequests_ArePrometheusText()
    {
        using var client = fixture.App.CreateClient();
        await client.GetAsync("/health/live");
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE http_requests_received_total counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Document_ListsTheApiOperations()
    {
        using var client = fixture.App.CreateClient();
        var document = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/openapi/v1.json"));
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null)
            .ToHashSet();
        Assert.Contains("FindPerson", operations);
        Assert.Contains("UpdateOperationSettings", operations);
        Assert.Contains("VerifyAuditChain", operations);
        var docs = await client.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    [Fact]
    public async Task AnyResponse_Always_CarriesSecurityHeaders_AndApiAnswersAreNotCached()
    {
        using var client = fixture.App.CreateClient();
        var response = await client.GetAsync("/api/v1/people");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Migrations_MatchTheModel_NoPendingChanges()
    {
        await fixture.App.WithDbAsync(db =>
        {
            Assert.False(db.Database.HasPendingModelChanges(), "The model has changes that no migration covers: add a migration for both providers.");
            return Task.CompletedTask;
        });
    }
}

public sealed class SqliteHealthTests(SqliteAppFixture fixture) : HealthTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresHealthTests(PostgresAppFixture fixture) : HealthTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
