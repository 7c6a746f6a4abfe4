using System.Text.RegularExpressions;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Testing.Features.Access;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Console;

/// <summary>Unlock Credential in the console: the helpdesk types the agent's challenge and reads back a code the agent accepts.</summary>
public sealed partial class ConsoleUnlockTests : AgentTestKit
{
    [GeneratedRegex(@"(?<!\d)\d{4} \d{4}(?!\d)")]
    private static partial Regex Grouped();

    [GeneratedRegex("data-testid=\"unlock-code\">(\\d{4} \\d{4})<")]
    private static partial Regex ShownCode();

    [Fact]
    public async Task Helpdesk_TypesTheChallenge_ReadsBackACodeTheAgentAccepts()
    {
        // Arrange: a collected mobile ID whose profile gives the helpdesk role Can Unlock; a helpdesk person with a password.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var role = "unlockers-" + tag;
        await App.WithServicesAsync(async s => (await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(role, null, Scope.All, [Workflow.FindPerson, Workflow.UnlockCredential], true, null), CancellationToken.None)).IsSuccess);
        await CreateProfileAsync("phone-" + tag, false,
            [new ProfileRoleInput("Cardholder", true, false, false, true, false), new ProfileRoleInput(role, false, false, false, false, true)]);
        var person = await App.CreatePersonAsync("holder" + tag, null, $"holder{tag}@example.org", "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True((await CollectAsync("phone", requested.Value!.Link, requested.Value.Code!, "SN-" + tag)).Code == 0);
        var deviceId = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.Where(d => d.SerialNumber == "SN-" + tag)
            .Select(d => d.Id).SingleAsync());
        var helpdesk = await App.CreatePersonAsync("helpdesk" + tag, null, null, role);
        var password = "Helpdesk-" + Guid.NewGuid().ToString("N");
        await App.SetPasswordAsync(helpdesk.Id, password);
        using var browser = ConsoleForms.Browser(Base);
        using var signedIn = await ConsoleForms.SignInAsync(browser, "helpdesk" + tag, password);
        var page = $"/console/people/{person.Id}/unlock";

        // Act
        var shown = await AgentProcessAsync("", "unlock", "--store", StorePath("phone"));
        var challenge = Grouped().Match(shown.Output).Value;
        using var wrong = await ConsoleForms.SubmitAsync(browser, page, "unlock", new Dictionary<string, string>
        {
            ["Form.Device"] = deviceId.ToString(), ["Form.Challenge"] = "0000 0000", ["Form.Action"] = "code",
        });
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        using var right = await ConsoleForms.SubmitAsync(browser, page, "unlock", new Dictionary<string, string>
        {
            ["Form.Device"] = deviceId.ToString(), ["Form.Challenge"] = challenge, ["Form.Action"] = "code",
        });
        var code = ShownCode().Match(await right.Content.ReadAsStringAsync()).Groups[1].Value;
        var unlocked = await AgentAsync("unlock", "--store", StorePath("phone"), "--code", code, "--new-pin", "975310");
        var listed = await AgentAsync("export", (await AgentAsync("list", "--store", StorePath("phone"))).Output.Split("serial ")[1].Split(' ')[0],
            "--pem", "--store", StorePath("phone"));

        // Assert
        Assert.NotEqual("", challenge);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("has no open unlock request with challenge 0000 0000", wrongHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.NotEqual("", code);
        Assert.True(unlocked.Code == 0, unlocked.ToString());
        Assert.True(listed.Code == 0, listed.ToString());
    }
}
