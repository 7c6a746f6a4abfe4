using System.Net.Http.Headers;
using System.Text;

namespace MobileId.Server.Tests.Features.People;

/// <summary>
/// The content types the upload endpoints take. Note: routing answers 415 for a content type the
/// endpoint's Accepts metadata does not list, before the handler runs, so the metadata must list
/// every type the handler takes.
/// </summary>
public sealed class UploadContentTypeTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];

    private MobileIdApp App => fixture.App;

    [Fact]
    public async Task SetPhoto_OctetStream_SniffsTheImageAndStoresIt()
    {
        // Arrange
        var person = await App.CreatePersonAsync("photo." + Guid.NewGuid().ToString("N")[..10]);
        using var client = await App.AdminClientAsync();
        using var content = new ByteArrayContent(Png);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        // Act
        using var response = await client.PutAsync($"/api/v1/people/{person.Id}/photo", content);

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var photo = await client.GetAsync($"/api/v1/people/{person.Id}/photo");
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SetPhoto_JsonContentType_Returns415UnsupportedMediaType()
    {
        // Arrange
        var person = await App.CreatePersonAsync("photo." + Guid.NewGuid().ToString("N")[..10]);
        using var client = await App.AdminClientAsync();

        // Act
        using var response = await client.PutAsJsonAsync($"/api/v1/people/{person.Id}/photo", new { photo = "not an image" });

        // Assert: routing refuses it before the handler runs; the problem still carries the stable code.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ErrorCodes.UnsupportedMediaType, (await MobileIdApp.ReadJsonAsync(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("text/csv")]
    [InlineData("text/plain")]
    [InlineData("application/csv")]
    public async Task ImportPeople_CsvContentType_ImportsTheRows(string contentType)
    {
        // Arrange
        var logon = "csv." + Guid.NewGuid().ToString("N")[..10];
        using var client = await App.AdminClientAsync();
        using var content = new StringContent($"logonName,lastName\n{logon},Imported\n", Encoding.UTF8, contentType);

        // Act
        using var response = await client.PostAsync("/api/v1/people/import", content);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await MobileIdApp.ReadJsonAsync(response)).GetProperty("created").GetInt32());
        Assert.True(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.AnyAsync(p => p.LogonName == logon)));
    }
}
