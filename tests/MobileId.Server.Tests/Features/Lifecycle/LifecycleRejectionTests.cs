namespace MobileId.Server.Tests.Features.Lifecycle;

/// <summary>
/// Bad input, wrong states and scope for Cancel Credential, Enable / Disable ID, Request
/// Replacement ID and the Device Management API: each is an RFC 9457 problem, and nothing changes.
/// </summary>
public abstract class LifecycleRejectionTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private MobileIdApp App => fixture.App;

    [Theory]
    [InlineData("disable", MobileIdStatus.Issued, "{}", 400, "validation_failed")]
    [InlineData("disable", MobileIdStatus.Issued, """{"reason":"bored"}""", 400, "validation_failed")]
    [InlineData("disable", MobileIdStatus.Issued, """{"reason":"lost","details":"LONG"}""", 400, "validation_failed")]
    [InlineData("disable", MobileIdStatus.Disabled, """{"reason":"lost"}""", 409, "conflict")]
    [InlineData("disable", MobileIdStatus.ReadyToCollect, """{"reason":"leave"}""", 409, "conflict")]
    [InlineData("enable", MobileIdStatus.Issued, "{}", 409, "conflict")]
    [InlineData("enable", MobileIdStatus.Disabled, """{"details":"LONG"}""", 400, "validation_failed")]
    [InlineData("cancel", MobileIdStatus.Issued, """{"reason":"certificateHold"}""", 400, "validation_failed")]
    [InlineData("cancel", MobileIdStatus.Issued, """{"reason":"removeFromCRL"}""", 400, "validation_failed")]
    [InlineData("cancel", MobileIdStatus.Cancelled, "{}", 409, "conflict")]
    [InlineData("cancel", MobileIdStatus.Expired, "{}", 409, "conflict")]
    [InlineData("cancel", MobileIdStatus.Locked, "{}", 409, "conflict")]
    [InlineData("replace", MobileIdStatus.Issued, "{}", 400, "validation_failed")]
    [InlineData("replace", MobileIdStatus.Issued, """{"reason":"bored"}""", 400, "validation_failed")]
    [InlineData("replace", MobileIdStatus.Cancelled, """{"reason":"lost"}""", 409, "conflict")]
    public async Task Operation_BadInputOrWrongState_ProblemAndNothingChanges(string operation, MobileIdStatus status, string body, int expected, string code)
    {
        // Arrange
        var person = await App.CreatePersonAsync("rej" + Unique(), null, "rej@example.org", "Cardholder");
        var mobileId = await MobileIdAsync(person.Id, status);
        using var admin = await App.AdminClientAsync();
        var before = await StateAsync(mobileId);

        // Act
        var response = await admin.PostAsync($"/api/v1/mobile-ids/{mobileId}/{operation}",
            new StringContent(body.Replace("LONG", new string('x', 501), StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"));

        // Assert
        await MobileIdApp.AssertProblemAsync(response, expected, code);
        Assert.Equal(before, await StateAsync(mobileId));
        Assert.Equal(1, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.CountAsync(m => m.PersonId == person.Id)));
    }

    [Theory]
    [InlineData("cancel", """{"reason":"superseded"}""")]
    [InlineData("disable", """{"reason":"lost"}""")]
    [InlineData("enable", "{}")]
    [InlineData("replace", """{"reason":"lost"}""")]
    public async Task Operation_UnknownMobileId_404(string operation, string body)
    {
        // Arrange
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.PostAsync($"/api/v1/mobile-ids/{Guid.NewGuid()}/{operation}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task Replace_PersonWithoutEmailOrPhone_422AndOldMobileIdStaysIssued()
    {
        // Arrange
        var person = await App.CreatePersonAsync("rejnc" + Unique(), null, null, "Cardholder");
        var mobileId = await MobileIdAsync(person.Id, MobileIdStatus.Issued);
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{mobileId}/replace", new { reason = "damaged" });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 422, ErrorCodes.NotEligible);
        Assert.Equal(MobileId.Server.Features.MobileIds.RequestCreation.NoPhoneOrEmail, problem.GetProperty("detail").GetString());
        Assert.Equal(MobileIdStatus.Issued, (await StateAsync(mobileId)).Status);
        Assert.Equal(1, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.CountAsync(m => m.PersonId == person.Id)));
    }

    [Theory]
    [InlineData("cancel", """{"reason":"superseded"}""")]
    [InlineData("disable", """{"reason":"lost"}""")]
    [InlineData("replace", """{"reason":"lost"}""")]
    public async Task Operation_DepartmentOperatorOnPersonOutsideDepartment_403OutOfScopeAndNothingChanges(string operation, string body)
    {
        // Arrange
        var (client, _, outsider) = await DepartmentWorldAsync();
        using var operatorClient = client;
        var mobileId = await MobileIdAsync(outsider, MobileIdStatus.Issued);

        // Act
        var response = await operatorClient.PostAsync($"/api/v1/mobile-ids/{mobileId}/{operation}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.OutOfScope);
        Assert.Equal(MobileIdStatus.Issued, (await StateAsync(mobileId)).Status);
    }

    [Fact]
    public async Task Disable_DepartmentOperatorOnPersonInDepartment_Succeeds()
    {
        // Arrange
        var (client, insider, _) = await DepartmentWorldAsync();
        using var operatorClient = client;
        var mobileId = await MobileIdAsync(insider, MobileIdStatus.Issued);

        // Act
        var response = await operatorClient.PostAsJsonAsync($"/api/v1/mobile-ids/{mobileId}/disable", new { reason = "leave" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MobileIdStatus.Disabled, (await StateAsync(mobileId)).Status);
    }

    [Fact]
    public async Task Devices_DepartmentOperator_ReachesOnlyDevicesOfPeopleInScope()
    {
        // Arrange
        var (client, insider, outsider) = await DepartmentWorldAsync();
        using var operatorClient = client;
        var inside = await DeviceAsync(insider);
        var outside = await DeviceAsync(outsider);

        // Act
        var listed = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync("/api/v1/devices?pageSize=100"));
        var getOutside = await operatorClient.GetAsync($"/api/v1/devices/{outside}");
        var cancelOutside = await operatorClient.PostAsync($"/api/v1/devices/{outside}/cancel", null);
        var addOutside = await operatorClient.PostAsJsonAsync("/api/v1/devices", new { serialNumber = "SN-OUT-" + Unique(), platform = "ios", ownerId = outsider });
        var addOwnerless = await operatorClient.PostAsJsonAsync("/api/v1/devices", new { serialNumber = "SN-NONE-" + Unique(), platform = "ios" });

        // Assert
        var ids = listed.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(inside, ids);
        Assert.DoesNotContain(outside, ids);
        await MobileIdApp.AssertProblemAsync(getOutside, 403, ErrorCodes.OutOfScope);
        await MobileIdApp.AssertProblemAsync(cancelOutside, 403, ErrorCodes.OutOfScope);
        await MobileIdApp.AssertProblemAsync(addOutside, 403, ErrorCodes.OutOfScope);
        await MobileIdApp.AssertProblemAsync(addOwnerless, 403, ErrorCodes.OutOfScope);
        Assert.Equal(DeviceStatus.Registered, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices
            .Where(d => d.Id == outside).Select(d => d.Status).SingleAsync()));
    }

    [Fact]
    public async Task ListDevices_Filters_ByOwnerStatusAndSerial()
    {
        // Arrange
        var owner = (await App.CreatePersonAsync("devown" + Unique(), null, null, "Cardholder")).Id;
        var first = await DeviceAsync(owner);
        var second = await DeviceAsync(owner);
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/devices/{second}/cancel", null)).StatusCode);
        var serial = (await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/devices/{first}"))).GetProperty("serialNumber").GetString();

        // Act
        var byOwner = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/devices?ownerId={owner}"));
        var cancelled = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/devices?ownerId={owner}&status=Cancelled"));
        var bySerial = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/devices?serialNumber={serial}"));

        // Assert
        Assert.Equal(2, byOwner.GetProperty("total").GetInt32());
        Assert.Equal(second, Assert.Single(cancelled.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(first, Assert.Single(bySerial.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("""{"platform":"android"}""", "serialNumber")]
    [InlineData("""{"serialNumber":"SN-X"}""", "platform")]
    [InlineData("""{"serialNumber":"SN-X","platform":"nokia"}""", "platform")]
    [InlineData("""{"serialNumber":"SN-X","platform":"ios","ownerId":"0195f5a2-0000-7000-8000-000000000000"}""", "ownerId")]
    public async Task AddDevice_BadInput_400NamingTheFieldAndNothingAdded(string body, string field)
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        var before = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.CountAsync());

        // Act
        var response = await admin.PostAsync("/api/v1/devices", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.CountAsync()));
    }

    [Fact]
    public async Task AddDevice_SerialAlreadyRegistered_409()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        var serial = "SN-DUP-" + Unique();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/devices", new { serialNumber = serial, platform = "android" })).StatusCode);

        // Act
        var again = await admin.PostAsJsonAsync("/api/v1/devices", new { serialNumber = serial, platform = "ios" });

        // Assert
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        Assert.Equal("android", await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices
            .Where(d => d.SerialNumber == serial).Select(d => d.Platform).SingleAsync()));
    }

    [Theory]
    [InlineData("/api/v1/devices?pageSize=0", 400, "validation_failed")]
    [InlineData("/api/v1/devices?page=0", 400, "validation_failed")]
    [InlineData("/api/v1/devices/0195f5a2-0000-7000-8000-000000000000", 404, "not_found")]
    public async Task ReadDevices_BadQueryOrUnknownDevice_Problem(string path, int status, string code)
    {
        // Arrange
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.GetAsync(path);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, status, code);
    }

    [Fact]
    public async Task CancelDevice_BadReasonOrUnknownDevice_ProblemAndDeviceUnchanged()
    {
        // Arrange
        var device = await DeviceAsync((await App.CreatePersonAsync("devbad" + Unique(), null, null, "Cardholder")).Id);
        using var admin = await App.AdminClientAsync();

        // Act
        var badReason = await admin.PostAsJsonAsync($"/api/v1/devices/{device}/cancel", new { reason = "certificateHold" });
        var unknown = await admin.PostAsJsonAsync($"/api/v1/devices/{Guid.NewGuid()}/cancel", new { });

        // Assert
        await MobileIdApp.AssertProblemAsync(badReason, 400, ErrorCodes.ValidationFailed);
        await MobileIdApp.AssertProblemAsync(unknown, 404, ErrorCodes.NotFound);
        Assert.Equal(DeviceStatus.Registered, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices
            .Where(d => d.Id == device).Select(d => d.Status).SingleAsync()));
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A Helpdesk operator with scope Department in a fresh group, a person in that group, and one in another group.</summary>
    private async Task<(HttpClient Operator, Guid Insider, Guid Outsider)> DepartmentWorldAsync()
    {
        var tag = Unique();
        var department = await App.CreateGroupAsync("Dept-" + tag);
        var other = await App.CreateGroupAsync("Other-" + tag);
        var operatorPerson = await App.CreatePersonAsync("op" + tag, department, null, "Cardholder");
        var insider = await App.CreatePersonAsync("in" + tag, department, $"in{tag}@example.org", "Cardholder");
        var outsider = await App.CreatePersonAsync("out" + tag, other, $"out{tag}@example.org", "Cardholder");
        return (await App.ClientForAsync("Helpdesk", Scope.Department, operatorPerson.Id), insider.Id, outsider.Id);
    }

    /// <summary>A mobile ID of the person in this state under a profile Cardholders receive, made directly in the database.</summary>
    private Task<Guid> MobileIdAsync(Guid personId, MobileIdStatus status) =>
        App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            const string profileName = "lifecycle-rejections";
            if (!await db.CredentialProfiles.AnyAsync(p => p.Name == profileName))
            {
                var saved = await s.GetRequiredService<MobileId.Server.Features.Profiles.ProfilesService>().SaveAsync(Caller.System("test"), null,
                    new MobileId.Server.Features.Profiles.ProfileInput(profileName, null, null, null, null, null, null, null, null, null, null, null, null,
                        [new MobileId.Server.Features.Profiles.ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None);
                Assert.True(saved.IsSuccess, saved.Error?.Detail);
            }

            var now = DateTime.UtcNow;
            var mobileId = new MobileIdentity
            {
                Id = Guid.CreateVersion7(), PersonId = personId, ProfileId = await db.CredentialProfiles.Where(p => p.Name == profileName).Select(p => p.Id).SingleAsync(),
                Status = status, Channel = DeliveryChannel.Email, RequestedByName = "test", RequestedAt = now, LinkToken = Guid.NewGuid().ToString("N"),
                UpdatedAt = now, EndReason = status == MobileIdStatus.Cancelled ? "cessationOfOperation" : null,
            };
            db.MobileIdentities.Add(mobileId);
            await db.SaveChangesAsync();
            return mobileId.Id;
        });

    private Task<Guid> DeviceAsync(Guid ownerId) =>
        App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var device = new MobileId.Server.Data.Device
            {
                Id = Guid.CreateVersion7(), SerialNumber = "SN-" + Unique(), Platform = "android", OwnerId = ownerId, Status = DeviceStatus.Registered,
                CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            };
            db.Devices.Add(device);
            await db.SaveChangesAsync();
            return device.Id;
        });

    private Task<(MobileIdStatus Status, int Version, DateTime UpdatedAt)> StateAsync(Guid id) =>
        App.WithServicesAsync(async s => await s.GetRequiredService<MobileIdDbContext>().MobileIdentities.AsNoTracking().Where(m => m.Id == id)
            .Select(m => new ValueTuple<MobileIdStatus, int, DateTime>(m.Status, m.Version, m.UpdatedAt)).SingleAsync());
}

public sealed class SqliteLifecycleRejectionTests(SqliteAppFixture fixture) : LifecycleRejectionTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresLifecycleRejectionTests(PostgresAppFixture fixture) : LifecycleRejectionTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
