using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Layouts;

/// <summary>Card Layouts (PRODUCT.md §11): the API, its rules, and the badge the agent collects with its signed identity token.</summary>
public sealed class CardLayoutsTests : AgentTestKit
{
    /// <summary>The smallest PNG and JPEG headers the rules look at, with some bytes after them.</summary>
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0];

    private static object Layout(string name, params object[] elements) => new { name, description = "Staff badge", elements };

    private static object Text(string field, string? label = null) => new { type = "text", field, label };

    private static object Image(string fileName, byte[] data) => new { type = "image", fileName, data = Convert.ToBase64String(data) };

    [Fact]
    public async Task Collect_ProfileWithALayout_TheAgentKeepsTheBadgeAndItsIdentityTokenVerifiesUnderTheRoot()
    {
        // Arrange: a layout with fields, the photo, a .jpeg logo and the QR code; a profile that uses it; a person with a photo.
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var admin = await App.AdminClientAsync();
        var created = await admin.PostAsJsonAsync("/api/v1/card-layouts",
            Layout("badge-" + tag, Text("displayName"), Text("employeeId", "Staff no."), new { type = "photo" }, Image("logo.JPEG", Jpeg), new { type = "qr" }));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await CreateProfileAsync("phone-" + tag, false, [new ProfileRoleInput("Cardholder", true, false, false, true, false)]);
        var profile = (await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/profiles?q=phone-{tag}"))).GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "phone-" + tag);
        var updated = await admin.PutAsJsonAsync($"/api/v1/profiles/{profile.GetProperty("id").GetGuid()}", new
        {
            name = "phone-" + tag, cardLayout = "badge-" + tag,
            certificates = new[] { new { policy = $"auth-phone-{tag}", container = "System Store", mode = "IssueNew" } },
            roles = new[] { new { role = "Cardholder", canReceive = true, canCollect = true } },
        });
        Assert.True(updated.StatusCode == HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        Assert.Equal("badge-" + tag, (await MobileIdApp.ReadJsonAsync(updated)).GetProperty("cardLayout").GetString());
        var person = await App.CreatePersonAsync("badge" + tag, null, $"badge{tag}@example.org", "Cardholder");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/people/{person.Id}/photo", new ByteArrayContent(Jpeg)
        {
            Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/jpeg") },
        })).StatusCode);
        var request = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(request.IsSuccess, request.Error?.Detail);

        // Act
        var collected = await CollectAsync("store", request.Value!.Link, request.Value.Code!, "SN-BADGE-1");
        var listed = await AgentAsync("list", "--store", StorePath("store"));

        // Assert: the badge is in the store, with the person's values and photo.
        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Contains($"badge badge-{tag}", listed.Output, StringComparison.Ordinal);
        var file = MobileId.Agent.AgentStore.Peek(StorePath("store"))!;
        var badge = JsonDocument.Parse(file.Identities.Single().Badge!).RootElement;
        Assert.Equal(["text", "text", "photo", "image", "qr"], badge.GetProperty("elements").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("logo.JPEG", badge.GetProperty("elements")[3].GetProperty("fileName").GetString());
        Assert.Equal($"Test badge{tag}", badge.GetProperty("values").GetProperty("displayName").GetString());
        Assert.Equal(Jpeg, Convert.FromBase64String(badge.GetProperty("photo").GetString()!));

        // The identity token: a compact JWS, ES256, signed by the content signing certificate, which chains to the store's pinned root.
        var parts = badge.GetProperty("identityToken").GetString()!.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])).RootElement;
        var claims = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var x5c = header.GetProperty("x5c").EnumerateArray().Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetString()!))).ToList();
        using var publicKey = x5c[0].GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(System.Text.Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(file.RootFingerprint, Convert.ToHexString(x5c[^1].GetCertHash(HashAlgorithmName.SHA256)));
        Assert.Equal("badge" + tag, claims.GetProperty("sub").GetString());
        Assert.Equal(request.Value.Id, claims.GetProperty("mid").GetGuid());
        Assert.True(claims.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.AddDays(300).ToUnixTimeSeconds());
        var tampered = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(claims.GetRawText().Replace("badge" + tag, "mallory", StringComparison.Ordinal)));
        Assert.False(publicKey.VerifyData(System.Text.Encoding.ASCII.GetBytes($"{parts[0]}.{tampered}"), System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    public static TheoryData<string, string, string> BadLayouts => new()
    {
        { """{"name":"x","elements":[]}""", "elements", "between 1 and 30" },
        { """{"name":"","elements":[{"type":"qr"}]}""", "name", "needs a name" },
        { """{"name":"x","elements":[{"type":"text","field":"salary"}]}""", "elements[0]", "'salary' is not one" },
        { """{"name":"x","elements":[{"type":"qr"},{"type":"hologram"}]}""", "elements[1]", "'hologram' is not an element type" },
        { """{"name":"x","elements":[{"type":"image","fileName":"logo.gif","data":"R0lGODlh"}]}""", "elements[0]", "'logo.gif' is not" },
        { """{"name":"x","elements":[{"type":"image","fileName":"logo.png","data":"not base64!"}]}""", "elements[0]", "not base64" },
        { """{"name":"x","elements":[{"type":"image","fileName":"logo.png","data":"R0lGODlhAQABAAAAACw="}]}""", "elements[0]", "neither a PNG nor a JPEG" },
        { """{"name":"x","elements":[{"type":"image","fileName":"logo.jpg","data":"iVBORw0KGgoAAAANSUhEUg=="}]}""", "elements[0]", "is a PNG image; name it .png" },
        { """{"name":"x","elements":[{"type":"image","fileName":"logo.png","data":"/9j/4AAQSkZJRgA="}]}""", "elements[0]", "is a JPEG image; name it .jpg or .jpeg" },
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public async Task CreateLayout_BrokenRule_Returns400NamingTheElementAndSavesNothing(string body, string field, string message)
    {
        using var admin = await App.AdminClientAsync();

        var response = await admin.PostAsync("/api/v1/card-layouts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await MobileIdApp.ReadJsonAsync(await admin.GetAsync("/api/v1/card-layouts"))).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task DeleteAndProfile_LayoutInUseOrUnknown_AreRefusedWithTheReason()
    {
        // Arrange
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/card-layouts", Layout("used-" + tag, Image("logo.png", Png)))).StatusCode);
        await CreateProfileAsync("p-" + tag, false, [new ProfileRoleInput("Cardholder", true, false, false, true, false)]);
        var id = (await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/profiles?q=p-{tag}"))).GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "p-" + tag).GetProperty("id").GetGuid();
        object Profile(string layout) => new
        {
            name = "p-" + tag, cardLayout = layout, certificates = new[] { new { policy = $"auth-p-{tag}", container = "System Store", mode = "IssueNew" } },
            roles = new[] { new { role = "Cardholder", canReceive = true, canCollect = true } },
        };

        // Act
        var unknown = await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Profile("no-such-layout"));
        var used = await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Profile("used-" + tag));
        var delete = await admin.DeleteAsync($"/api/v1/card-layouts/used-{tag}");
        var duplicate = await admin.PostAsJsonAsync("/api/v1/card-layouts", Layout("used-" + tag, new { type = "qr" }));
        var missing = await admin.GetAsync("/api/v1/card-layouts/nothing-" + tag);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(unknown, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("'no-such-layout' is not a card layout", problem.GetProperty("errors").GetProperty("cardLayout")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        var refused = await MobileIdApp.AssertProblemAsync(delete, 409, ErrorCodes.Conflict);
        Assert.Contains("p-" + tag, refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(duplicate, 409, ErrorCodes.Conflict);
        await MobileIdApp.AssertProblemAsync(missing, 404, ErrorCodes.NotFound);
        var layout = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/card-layouts/used-{tag}"));
        Assert.Equal(["p-" + tag], layout.GetProperty("usedBy").EnumerateArray().Select(u => u.GetString()));
    }
}
