using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.People;

public abstract partial class PeopleApiTests<TFixture>
{
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
