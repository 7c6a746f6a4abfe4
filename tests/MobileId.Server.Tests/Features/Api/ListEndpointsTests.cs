using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Features.Api;

/// <summary>Every list endpoint is paged (page, pageSize, total) and filterable, and refuses bad paging with problem details.</summary>
public sealed class ListEndpointsTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    /// <summary>The list endpoints that take <c>page</c>, <c>pageSize</c> and the text filter <c>q</c>.</summary>
    public static TheoryData<string> TextFiltered =>
    [
        "/api/v1/roles", "/api/v1/api-clients", "/api/v1/email-templates", "/api/v1/policies", "/api/v1/groups", "/api/v1/card-layouts",
        "/api/v1/webhooks", "/api/v1/profiles", "/api/v1/authorities",
    ];

    /// <summary>The list endpoints that are paged and filtered by their own fields.</summary>
    public static TheoryData<string> Paged =>
    [
        "/api/v1/people", "/api/v1/mobile-ids", "/api/v1/devices", "/api/v1/audit", .. TextFiltered,
    ];

    [Theory]
    [MemberData(nameof(Paged))]
    public async Task List_PageSizeOne_AnswersOnePageWithTheTotal(string path)
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        await fixture.App.CreatePersonAsync("list" + Guid.NewGuid().ToString("N")[..8]);

        // Act
        var first = await MobileIdApp.ReadJsonAsync(await admin.GetAsync(path + "?pageSize=1"));
        var all = await MobileIdApp.ReadJsonAsync(await admin.GetAsync(path + "?pageSize=200"));

        // Assert
        Assert.Equal(1, first.GetProperty("page").GetInt32());
        Assert.Equal(1, first.GetProperty("pageSize").GetInt32());
        Assert.True(first.GetProperty("items").GetArrayLength() <= 1);
        Assert.Equal(Math.Min(1, all.GetProperty("total").GetInt32()), first.GetProperty("items").GetArrayLength());
        Assert.Equal(Math.Min(200, all.GetProperty("total").GetInt32()), all.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Paged))]
    public async Task List_BadPaging_IsAValidationProblemNamingBothFields(string path)
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();

        // Act
        using var response = await admin.GetAsync(path + "?page=0&pageSize=100000");

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("page", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Theory]
    [MemberData(nameof(TextFiltered))]
    public async Task List_FilterTooLong_IsAValidationProblemOnQ(string path)
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();

        // Act
        using var response = await admin.GetAsync($"{path}?q={new string('x', 201)}");

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("200", problem.GetProperty("errors").GetProperty("q")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAudit_TargetFilter_KeepsOnlyTheRecordsAboutThatTargetByNameOrId()
    {
        // Arrange: two people, each created (and so audited) in this test.
        using var admin = await fixture.App.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = await fixture.App.CreatePersonAsync("target1." + tag);
        await fixture.App.CreatePersonAsync("target2." + tag);

        // Act
        var byName = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/audit?action=person.created&target={first.LogonName}"));
        var byId = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/audit?action=person.created&target={first.Id}"));

        // Assert
        foreach (var list in new[] { byName, byId })
        {
            Assert.Equal(1, list.GetProperty("total").GetInt32());
            Assert.Equal(first.LogonName, list.GetProperty("items")[0].GetProperty("targetName").GetString());
        }
    }

    [Fact]
    public async Task ListRoles_TextFilter_KeepsOnlyTheMatchingRolesAndPagesThem()
    {
        // Arrange
        var tag = Guid.NewGuid().ToString("N")[..8];
        await fixture.App.WithServicesAsync(async s =>
        {
            foreach (var name in new[] { $"alpha-{tag}", $"beta-{tag}", $"gamma-{tag}" })
            {
                Assert.True((await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
                    new RoleInput(name, null, Scope.Self, [Workflow.FindPerson], null, null), CancellationToken.None)).IsSuccess);
            }

            return true;
        });
        using var admin = await fixture.App.AdminClientAsync();

        // Act
        var matching = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/roles?q={tag.ToUpperInvariant()}"));
        var second = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/roles?q={tag}&page=2&pageSize=2"));

        // Assert: case-insensitive, all three and nothing else; the second page of two holds the third.
        Assert.Equal(3, matching.GetProperty("total").GetInt32());
        Assert.All(matching.GetProperty("items").EnumerateArray(), r => Assert.EndsWith(tag, r.GetProperty("name").GetString(), StringComparison.Ordinal));
        Assert.Equal(3, second.GetProperty("total").GetInt32());
        Assert.Single(second.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ListMobileIds_DepartmentOperator_SeesOnlyItsDepartmentAndFiltersByStatus()
    {
        // Arrange: a mobile ID in each of two departments, and one more that is cancelled in the first.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var sales = await fixture.App.CreateGroupAsync("sales-" + tag);
        var legal = await fixture.App.CreateGroupAsync("legal-" + tag);
        var seller = await fixture.App.CreatePersonAsync("seller" + tag, sales);
        var lawyer = await fixture.App.CreatePersonAsync("lawyer" + tag, legal);
        var operatorPerson = await fixture.App.CreatePersonAsync("op" + tag, sales);
        var ids = new Dictionary<string, Guid>();
        var saved = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("list-" + tag, null, null, null, null, null, null, null, null, null, null, null, null, null), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        await fixture.App.WithDbAsync(async db =>
        {
            var profile = saved.Value!.Id;
            foreach (var (name, person, status) in new[] { ("seller", seller.Id, MobileIdStatus.Issued), ("cancelled", seller.Id, MobileIdStatus.Cancelled), ("lawyer", lawyer.Id, MobileIdStatus.Issued) })
            {
                var mobileId = new MobileIdentity
                {
                    Id = Guid.NewGuid(), PersonId = person, ProfileId = profile, Status = status, RequestedByName = "test", LinkToken = Guid.NewGuid().ToString("N"),
                    RequestedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                };
                ids[name] = mobileId.Id;
                db.MobileIdentities.Add(mobileId);
            }

            await db.SaveChangesAsync();
        });
        using var operatorClient = await fixture.App.ClientForAsync("Helpdesk", Scope.Department, operatorPerson.Id);

        // Act
        var visible = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync("/api/v1/mobile-ids?pageSize=200"));
        var issued = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync("/api/v1/mobile-ids?status=Issued&pageSize=200"));
        var forLawyer = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync($"/api/v1/mobile-ids?personId={lawyer.Id}"));
        using var unknownProfile = await operatorClient.GetAsync("/api/v1/mobile-ids?profile=nothing-" + tag);
        using var badStatus = await operatorClient.GetAsync("/api/v1/mobile-ids?status=Lost");

        // Assert
        var seen = visible.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToHashSet();
        Assert.Contains(ids["seller"], seen);
        Assert.Contains(ids["cancelled"], seen);
        Assert.DoesNotContain(ids["lawyer"], seen);
        var seenIssued = issued.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToHashSet();
        Assert.Contains(ids["seller"], seenIssued);
        Assert.DoesNotContain(ids["cancelled"], seenIssued);
        Assert.Equal(0, forLawyer.GetProperty("total").GetInt32());
        await MobileIdApp.AssertProblemAsync(unknownProfile, 400, ErrorCodes.ValidationFailed);
        Assert.Equal(400, (int)badStatus.StatusCode);
    }
}
