using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Features.Access;

public abstract partial class SignInTests<TFixture>
{
    public static TheoryData<string> BadSecrets() => new()
    {
        "garbage",
        "mid_",
        "mid_" + new string('0', 32) + "_" + new string('A', 43),
        "mid_0f8fad5bd9cb469fa16570867728950e_" + new string('A', 43),
    };

    [Theory]
    [MemberData(nameof(BadSecrets))]
    public async Task Bearer_GarbageSecret_Returns401Unauthenticated(string secret)
    {
        // Arrange
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);

        // Act
        using var response = await client.GetAsync("/api/v1/me");

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Bearer_SecretOfDeletedClientOrWithOneCharacterChanged_Returns401Unauthenticated()
    {
        // Arrange
        var (person, _) = await PersonWithPasswordAsync("Cardholder");
        using var client = await App.ClientForAsync("Cardholder", Scope.Self, person.Id);
        using var me = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var clientId = (await MobileIdApp.ReadJsonAsync(me)).GetProperty("id").GetGuid();
        var secret = client.DefaultRequestHeaders.Authorization!.Parameter!;
        using var tampered = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        tampered.DefaultRequestHeaders.Authorization = new("Bearer", secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'));
        await MobileIdApp.AssertProblemAsync(await tampered.GetAsync("/api/v1/me"), 401, ErrorCodes.Unauthenticated);
        using var admin = await App.AdminClientAsync();

        // Act
        using var deleted = await admin.DeleteAsync($"/api/v1/api-clients/{clientId}");

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await MobileIdApp.AssertProblemAsync(await client.GetAsync("/api/v1/me"), 401, ErrorCodes.Unauthenticated);
        await MobileIdApp.AssertProblemAsync(await client.GetAsync("/api/v1/people"), 401, ErrorCodes.Unauthenticated);
    }
}
