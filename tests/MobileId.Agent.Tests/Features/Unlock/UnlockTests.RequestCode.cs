using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Profiles;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Unlock;

public sealed partial class UnlockTests
{
    [Fact]
    public async Task RequestUnlockCode_RoleWithoutCanUnlock_403AndNoCode()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        var role = "no-unlock-" + Guid.NewGuid().ToString("N")[..6];
        await CreateRoleAsync(role, Scope.All);
        using var client = await App.ClientForAsync(role, Scope.All);

        // Act
        var response = await client.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Contains("Can Unlock", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_OperatorForTheirOwnMobileId_403AndNoCode()
    {
        // Arrange: the holder's own client, with the helpdesk role that has Can Unlock.
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        using var self = await App.ClientForAsync(phone.Helpdesk, Scope.All, phone.PersonId);

        // Act
        var response = await self.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Contains("your own mobile ID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_OperatorOutOfScope_RefusedAndNoCode()
    {
        // Arrange
        var helpdeskGroup = await App.CreateGroupAsync("helpdesk-" + Guid.NewGuid().ToString("N")[..6]);
        var otherGroup = await App.CreateGroupAsync("sales-" + Guid.NewGuid().ToString("N")[..6]);
        var phone = await CollectAsync("phone", group: otherGroup);
        var (requestId, challenge) = await StartAsync(phone);
        var operatorPerson = await App.CreatePersonAsync("op" + Guid.NewGuid().ToString("N")[..6], helpdeskGroup);
        await CreateRoleAsync(phone.Helpdesk + "-dept", Scope.Department);
        await App.WithServicesAsync(async s =>
        {
            var profiles = s.GetRequiredService<MobileIdDbContext>();
            var helpdeskRole = await profiles.Roles.SingleAsync(r => r.Name == phone.Helpdesk + "-dept");
            var profileId = await profiles.MobileIdentities.Where(m => m.Id == phone.MobileId).Select(m => m.ProfileId).SingleAsync();
            profiles.ProfileRoles.Add(new ProfileRole { ProfileId = profileId, RoleId = helpdeskRole.Id, CanUnlock = true });
            return await profiles.SaveChangesAsync();
        });
        using var client = await App.ClientForAsync(phone.Helpdesk + "-dept", Scope.Department, operatorPerson.Id);

        // Act
        var response = await client.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_CallerVerification_CodeFromTheMailReleasesTheUnlockCode()
    {
        // Arrange
        var phone = await CollectAsync("phone", callerVerification: true);
        var (requestId, challenge) = await StartAsync(phone);
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);

        // Act
        var unverified = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });
        var sent = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-verification", new { challenge, channel = "email" });
        await App.Services.GetRequiredService<NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);
        var mail = MailsTo(phone.Email).Single(m => m.Subject?.Contains("verification", StringComparison.Ordinal) == true);
        var verification = Grouped().Match(mail.HtmlBody ?? "").Value;
        var wrong = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code",
            new { challenge, verificationCode = verification == "0000 0000" ? "1111 1111" : "0000 0000" });
        var verified = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge, verificationCode = verification });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(unverified, 422, ErrorCodes.VerificationRequired);
        Assert.Contains("requires caller verification", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("email", (await MobileIdApp.ReadJsonAsync(sent)).GetProperty("channel").GetString());
        Assert.NotEqual("", verification);
        await MobileIdApp.AssertProblemAsync(wrong, 422, ErrorCodes.CodeRejected);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Matches(Grouped(), (await MobileIdApp.ReadJsonAsync(verified)).GetProperty("unlockCode").GetString()!);
        Assert.Equal(1, await CountAsync(db => db.UnlockRequests.Where(u => u.Id == requestId).Select(u => u.VerificationFailures).SingleAsync()));
    }
}
