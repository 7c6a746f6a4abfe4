namespace MobileId.Server.Tests.Features.Lifecycle;

/// <summary>The lifecycle operations and the Device Management API and RequestUnlockCodeForDevice under their names in the OpenAPI document (PRODUCT.md §7).</summary>
public sealed class LifecycleOpenApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    [Fact]
    public async Task OpenApi_Document_NamesTheLifecycleAndDeviceOperations()
    {
        // Arrange
        using var client = fixture.App.CreateClient();

        // Act
        var document = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/openapi/v1.json"));

        // Assert
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name,
                Id: o.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null)))
            .ToList();
        (string Path, string Method, string Id)[] expected =
        [
            ("/api/v1/mobile-ids/{id}/cancel", "post", "CancelCredential"), ("/api/v1/mobile-ids/{id}/disable", "post", "DisableId"),
            ("/api/v1/mobile-ids/{id}/enable", "post", "EnableId"), ("/api/v1/mobile-ids/{id}/replace", "post", "RequestReplacementId"),
            ("/api/v1/devices", "post", "AddDevice"), ("/api/v1/devices", "get", "ListDevices"), ("/api/v1/devices/{id}", "get", "GetDevice"),
            ("/api/v1/devices/{id}/cancel", "post", "CancelDevice"), ("/api/v1/devices/{id}/unlock-code", "post", "RequestUnlockCodeForDevice"),
            ("/api/v1/devices/{id}/unlock-verification", "post", "SendUnlockVerificationCode"),
        ];
        foreach (var (path, method, id) in expected)
        {
            Assert.Contains((path, method, (string?)id), operations);
        }
    }
}
