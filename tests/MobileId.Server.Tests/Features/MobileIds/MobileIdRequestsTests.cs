using System.Text.RegularExpressions;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Features.MobileIds;

/// <summary>Request ID, Request My ID, Validate Request and the one-time code (PRODUCT.md §5.1–§5.2).</summary>
public abstract partial class MobileIdRequestsTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    /// <summary>Roles and profiles of one test: an operator role that may request and validate, a self-service role, and a profile for each.</summary>
    private sealed record World(string Operator, string SelfService, string Profile, string ValidatedProfile, string OtherProfile);

    private async Task<World> ArrangeAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var world = new World("operator-" + tag, "self-" + tag, "phone-" + tag, "checked-" + tag, "other-" + tag);
        await fixture.App.WithServicesAsync(async s =>
        {
            var roles = s.GetRequiredService<RolesService>();
            Assert.True((await roles.CreateAsync(Caller.System("test"), new RoleInput(world.Operator, null, Scope.All,
                [Workflow.FindPerson, Workflow.RequestId, Workflow.ValidateRequest], null, null), CancellationToken.None)).IsSuccess);
            Assert.True((await roles.CreateAsync(Caller.System("test"), new RoleInput(world.SelfService, null, Scope.Self,
                [Workflow.FindPerson, Workflow.RequestMyId, Workflow.IssueDevice], null, null), CancellationToken.None)).IsSuccess);
            var profiles = s.GetRequiredService<ProfilesService>();
            foreach (var (name, validate, holders) in new[]
            {
                (world.Profile, false, new[] { "Cardholder", world.SelfService }),
                (world.ValidatedProfile, true, new[] { "Cardholder" }),
                (world.OtherProfile, false, Array.Empty<string>()),
            })
            {
                List<ProfileRoleInput> rights = [new(world.Operator, false, true, true, false, false), .. holders.Select(h => new ProfileRoleInput(h, true, h == world.SelfService, false, true, false))];
                var saved = await profiles.SaveAsync(Caller.System("test"), null,
                    new ProfileInput(name, null, null, null, validate, null, null, null, null, null, null, null, null, rights), CancellationToken.None);
                Assert.True(saved.IsSuccess, saved.Error?.Detail);
            }

            return true;
        });
        return world;
    }

    private async Task<PersonView> PersonAsync(string? email = "holder@example.org", params string[] roles) =>
        await fixture.App.CreatePersonAsync("mid" + Guid.NewGuid().ToString("N")[..8], null, email, roles.Length == 0 ? ["Cardholder"] : roles);

    private Task<T> ServiceAsync<T>(Func<IServiceProvider, Task<T>> action) => fixture.App.WithServicesAsync(action);

    [GeneratedRegex(@"^\d{4} \d{4}$")]
    private static partial Regex GroupedCode();

    [Fact]
    public async Task RequestId_EligiblePerson_ShowsTheGroupedCodeOnceAndStoresOnlyItsHash()
    {
        // Arrange
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var operatorClient = await fixture.App.ClientForAsync(world.Operator, Scope.All);

        // Act
        var response = await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });
        var body = await MobileIdApp.ReadJsonAsync(response);
        var id = body.GetProperty("id").GetGuid();
        var again = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync($"/api/v1/mobile-ids/{id}"));

        // Assert
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var code = body.GetProperty("code").GetString()!;
        Assert.Matches(GroupedCode(), code);
        Assert.Equal("ReadyToCollect", body.GetProperty("status").GetString());
        Assert.Equal("Email", body.GetProperty("channel").GetString());
        Assert.Contains("/device/v1/enrol/", body.GetProperty("link").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, again.GetProperty("code").ValueKind);
        var stored = await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.SingleAsync(m => m.Id == id));
        Assert.Equal(32, stored.CodeHash!.Length);
        Assert.True(OneTimeCodes.Matches(code.Replace(" ", "", StringComparison.Ordinal), stored.CodeHash, stored.CodeSalt!));
        Assert.True(stored.CodeExpiresAt > DateTime.UtcNow.AddHours(71));
        Assert.True(await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(a => a.Action == "mobile-id.requested" && a.TargetPersonId == person.Id)));
    }

    [Fact]
    public async Task RequestId_EmailChannel_MailsLinkAndCodeAndServesTheQrCodeWhileCollectable()
    {
        // Arrange
        var world = await ArrangeAsync();
        var email = $"mail{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var person = await PersonAsync(email);
        using var operatorClient = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        using var anonymous = fixture.App.CreateClient();

        // Act
        var body = await MobileIdApp.ReadJsonAsync(await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile }));
        await fixture.App.Services.GetRequiredService<MobileId.Server.Features.Notifications.NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);
        var qr = await anonymous.GetAsync(new Uri(body.GetProperty("qrCodeUrl").GetString()!).PathAndQuery);
        var unknownQr = await anonymous.GetAsync("/qr/not-a-token.png");

        // Assert: the mail in the pickup folder carries link and grouped code; the QR code is a PNG.
        var pickup = Path.Combine(fixture.App.Database.Directory, "data", "mail-pickup");
        var messages = Directory.GetFiles(pickup, "*.eml").Select(f => MimeKit.MimeMessage.Load(f))
            .Where(m => m.To.Mailboxes.Any(a => a.Address == email)).ToList();
        var message = Assert.Single(messages);
        Assert.Contains(body.GetProperty("link").GetString()!, message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(body.GetProperty("code").GetString()!, message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain(body.GetProperty("code").GetString()!, message.Subject, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, qr.StatusCode);
        Assert.Equal("image/png", qr.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], (await qr.Content.ReadAsByteArrayAsync())[..4]);
        await MobileIdApp.AssertProblemAsync(unknownQr, 404, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task RequestId_TheThreeChecks_AnswerWithTheProductMessagesAndAreAudited()
    {
        // Arrange: no Issue Device role; a profile the person may not receive; no email or phone.
        var world = await ArrangeAsync();
        var withoutIssueDevice = await PersonAsync("a@example.org", world.Operator);
        var holder = await PersonAsync();
        var unreachable = await PersonAsync(email: null);
        using var operatorClient = await fixture.App.ClientForAsync(world.Operator, Scope.All);

        // Act
        var noProfiles = await operatorClient.PostAsJsonAsync($"/api/v1/people/{withoutIssueDevice.Id}/mobile-ids", new { profile = world.Profile });
        var notOnMobile = await operatorClient.PostAsJsonAsync($"/api/v1/people/{holder.Id}/mobile-ids", new { profile = world.OtherProfile });
        var noContact = await operatorClient.PostAsJsonAsync($"/api/v1/people/{unreachable.Id}/mobile-ids", new { profile = world.Profile });

        // Assert
        Assert.Equal(RequestCreation.NoProfiles, (await MobileIdApp.AssertProblemAsync(noProfiles, 422, ErrorCodes.NotEligible)).GetProperty("detail").GetString());
        Assert.Equal(RequestCreation.NotAllowedOnMobile, (await MobileIdApp.AssertProblemAsync(notOnMobile, 422, ErrorCodes.NotEligible)).GetProperty("detail").GetString());
        Assert.Equal(RequestCreation.NoPhoneOrEmail, (await MobileIdApp.AssertProblemAsync(noContact, 422, ErrorCodes.NotEligible)).GetProperty("detail").GetString());
        var refusals = await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .CountAsync(a => a.Action == "mobile-id.request-refused" && (a.TargetPersonId == withoutIssueDevice.Id || a.TargetPersonId == holder.Id || a.TargetPersonId == unreachable.Id)));
        Assert.Equal(3, refusals);
        Assert.False(await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities
            .AnyAsync(m => m.PersonId == withoutIssueDevice.Id || m.PersonId == holder.Id || m.PersonId == unreachable.Id)));
    }

    [Fact]
    public async Task RequestId_WithoutCanRequestOrTwiceOrOnAClosedChannel_IsRefusedWithTheReason()
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var operatorClient = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        using var administrator = await fixture.App.AdminClientAsync();

        var smsWhenOff = await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile, channel = "Sms" });
        var unknown = await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = "no-such-profile" });
        var first = await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });
        var second = await operatorClient.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });
        var noWorkflow = await administrator.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });

        var channel = await MobileIdApp.AssertProblemAsync(smsWhenOff, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("Mobile Provision Via SMS is off", channel.GetProperty("errors").GetProperty("channel")[0].GetString(), StringComparison.Ordinal);
        var profile = await MobileIdApp.AssertProblemAsync(unknown, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(world.Profile, profile.GetProperty("errors").GetProperty("profile")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await MobileIdApp.AssertProblemAsync(second, 409, ErrorCodes.Conflict);
        await MobileIdApp.AssertProblemAsync(noWorkflow, 403, ErrorCodes.WorkflowNotGranted);
    }

    [Fact]
    public async Task RequestId_CallerRoleWithoutCanRequest_IsRefused()
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        await ServiceAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput("no-rights-" + tag, null, Scope.All, [Workflow.RequestId], null, null), CancellationToken.None));
        using var client = await fixture.App.ClientForAsync("no-rights-" + tag, Scope.All);

        var response = await client.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });

        // Note: a caller who may request no profile at all sees the same answer as for a person with none.
        var problem = await MobileIdApp.AssertProblemAsync(response, 422, ErrorCodes.NotEligible);
        Assert.Equal(RequestCreation.NoProfiles, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ValidateRequest_RequireValidation_ReleasesTheCodeOnlyThroughASecondOperator()
    {
        // Arrange
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var requester = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        using var validator = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        var requested = await MobileIdApp.ReadJsonAsync(await requester.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.ValidatedProfile }));
        var id = requested.GetProperty("id").GetGuid();
        var token = requested.GetProperty("link").GetString()!.Split('/')[^1];

        // Act
        var beforeValidation = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, "00000000", "test", CancellationToken.None));
        var byRequester = await requester.PostAsync($"/api/v1/mobile-ids/{id}/validate", null);
        var byOther = await validator.PostAsync($"/api/v1/mobile-ids/{id}/validate", null);
        var twice = await validator.PostAsync($"/api/v1/mobile-ids/{id}/validate", null);

        // Assert
        Assert.Equal("AwaitingValidation", requested.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("code").ValueKind);
        Assert.Equal(409, beforeValidation.Error!.Status);
        var refused = await MobileIdApp.AssertProblemAsync(byRequester, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Contains("someone other than the operator who requested it", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, byOther.StatusCode);
        var validated = await MobileIdApp.ReadJsonAsync(byOther);
        Assert.Equal("ReadyToCollect", validated.GetProperty("status").GetString());
        Assert.Matches(GroupedCode(), validated.GetProperty("code").GetString()!);
        await MobileIdApp.AssertProblemAsync(twice, 409, ErrorCodes.Conflict);
        var redeemed = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, validated.GetProperty("code").GetString(), "test", CancellationToken.None));
        Assert.True(redeemed.IsSuccess, redeemed.Error?.Detail);
        Assert.Equal(MobileIdStatus.Collecting, redeemed.Value!.Status);
    }

    [Theory]
    [InlineData("spaces")]
    [InlineData("no spaces")]
    [InlineData("dashes")]
    public async Task Redeem_RightCodeTypedAnyWay_StartsCollectionAndResumesWithTheSameCode(string form)
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var requester = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        var requested = await MobileIdApp.ReadJsonAsync(await requester.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile }));
        var token = requested.GetProperty("link").GetString()!.Split('/')[^1];
        var code = requested.GetProperty("code").GetString()!;
        var typed = form switch { "spaces" => code, "no spaces" => code.Replace(" ", "", StringComparison.Ordinal), _ => code.Replace(' ', '-') };

        var first = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, typed, "test", CancellationToken.None));
        var resumed = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, typed, "test", CancellationToken.None));

        Assert.True(first.IsSuccess, first.Error?.Detail);
        Assert.Equal(MobileIdStatus.Collecting, first.Value!.Status);
        Assert.True(resumed.IsSuccess, resumed.Error?.Detail);
    }

    [Fact]
    public async Task Redeem_WrongCodeUpToTheLimit_LocksTheRequestAndAuditsEachFailure()
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var requester = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        var requested = await MobileIdApp.ReadJsonAsync(await requester.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile }));
        var token = requested.GetProperty("link").GetString()!.Split('/')[^1];
        var code = requested.GetProperty("code").GetString()!;
        var wrong = code.StartsWith('9') ? "1" + code[1..] : "9" + code[1..];

        var answers = new List<AppError>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, wrong, "test", CancellationToken.None))).Error!);
        }

        var rightTooLate = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(token, code, "test", CancellationToken.None));

        Assert.Contains("4 tries are left", answers[0].Detail, StringComparison.Ordinal);
        Assert.Contains("1 try is left", answers[3].Detail, StringComparison.Ordinal);
        Assert.Contains("locked", answers[4].Detail, StringComparison.Ordinal);
        Assert.Contains("locked", rightTooLate.Error!.Detail, StringComparison.Ordinal);
        var audit = await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.Where(a => a.TargetPersonId == person.Id)
            .Select(a => a.Action).ToListAsync());
        Assert.Equal(4, audit.Count(a => a == "mobile-id.code-failed"));
        Assert.Single(audit, a => a == "mobile-id.locked");
        var afterLock = await requester.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile });
        Assert.Equal(HttpStatusCode.Created, afterLock.StatusCode);
    }

    [Fact]
    public async Task Redeem_ExpiredCode_ExpiresTheRequest()
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync();
        using var requester = await fixture.App.ClientForAsync(world.Operator, Scope.All);
        var requested = await MobileIdApp.ReadJsonAsync(await requester.PostAsJsonAsync($"/api/v1/people/{person.Id}/mobile-ids", new { profile = world.Profile }));
        var id = requested.GetProperty("id").GetGuid();
        await ServiceAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var m = await db.MobileIdentities.SingleAsync(x => x.Id == id);
            m.CodeExpiresAt = DateTime.UtcNow.AddMinutes(-1);
            return await db.SaveChangesAsync();
        });

        var result = await ServiceAsync(s => s.GetRequiredService<CodeRedemption>().RedeemAsync(
            requested.GetProperty("link").GetString()!.Split('/')[^1], requested.GetProperty("code").GetString(), "test", CancellationToken.None));

        Assert.Equal(410, result.Error!.Status);
        Assert.Contains("expired", result.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.Expired, await ServiceAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.Where(m => m.Id == id).Select(m => m.Status).SingleAsync()));
    }

    [Fact]
    public async Task RequestMyId_PersonWithoutEmailOrPhone_GetsTheQrCodeChannel()
    {
        var world = await ArrangeAsync();
        var person = await PersonAsync(null, world.SelfService);
        using var self = await fixture.App.ClientForAsync(world.SelfService, Scope.Self, person.Id);

        var response = await self.PostAsJsonAsync("/api/v1/me/mobile-ids", new { profile = world.Profile });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.Equal("QrCode", body.GetProperty("channel").GetString());
        Assert.True(body.GetProperty("selfService").GetBoolean());
        Assert.Matches(GroupedCode(), body.GetProperty("code").GetString()!);
        var mine = await MobileIdApp.ReadJsonAsync(await self.GetAsync($"/api/v1/people/{person.Id}/mobile-ids"));
        Assert.Single(mine.GetProperty("items").EnumerateArray());
    }
}

public sealed class SqliteMobileIdRequestsTests(SqliteAppFixture fixture) : MobileIdRequestsTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresMobileIdRequestsTests(PostgresAppFixture fixture) : MobileIdRequestsTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
