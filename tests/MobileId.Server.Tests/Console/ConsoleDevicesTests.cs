using static MobileId.Testing.Console.ConsoleAdministrators;

namespace MobileId.Server.Tests.Console;

/// <summary>Devices in the console: the list with its filters, AddDevice, a device's page and CancelDevice.</summary>
public sealed class ConsoleDevicesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private MobileIdApp App => fixture.App;

    private Task<Device?> StoredAsync(string serial) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.AsNoTracking().SingleOrDefaultAsync(d => d.SerialNumber == serial));

    private static string Serial() => "SN-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task AddDevice_WithOwner_RegistersItAndShowsItsPageAndTheList()
    {
        // Arrange
        var owner = await App.CreatePersonAsync("owner." + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices, Workflow.FindPerson);
        var serial = Serial();

        // Act
        using var added = await SubmitAsync(browser, $"/console/devices/new?owner={owner.Id}", "add-device",
            ("serialNumber", serial), ("platform", "android"), ("model", "Pixel 9"), ("ownerId", owner.Id.ToString()));
        var page = await browser.GetStringAsync(added.Headers.Location!.PathAndQuery);
        var list = await browser.GetStringAsync("/console/devices?serial=" + serial);
        var stored = await StoredAsync(serial);

        // Assert
        Assert.Equal(HttpStatusCode.Found, added.StatusCode);
        Assert.Equal($"/console/devices/{stored!.Id}?added=1", added.Headers.Location.PathAndQuery);
        Assert.Contains("Device added.", page, StringComparison.Ordinal);
        Assert.Contains($"<h1>Device {serial}</h1>", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"device-status\">Registered<", page, StringComparison.Ordinal);
        Assert.Contains($">{serial}</a>", list, StringComparison.Ordinal);
        Assert.Contains("1 device found.", list, StringComparison.Ordinal);
        Assert.Equal(("android", "Pixel 9", owner.Id, DeviceStatus.Registered), (stored.Platform, stored.Model, stored.OwnerId, stored.Status));
    }

    [Fact]
    public async Task AddDevice_WithoutSerialNumber_ShowsTheMessageNextToTheFieldAndAddsNothing()
    {
        // Arrange
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices);
        var before = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.CountAsync());

        // Act
        using var response = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", ""), ("platform", "ios"), ("model", "kept"));
        var html = await ReadAsync(response, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"serialNumber-error\">The device&#x27;s serial number is required", html, StringComparison.Ordinal);
        Assert.Contains("value=\"kept\"", html, StringComparison.Ordinal);
        Assert.Equal(before, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.CountAsync()));
    }

    [Fact]
    public async Task AddDevice_SerialNumberTaken_ShowsTheConflictAndKeepsTheFirst()
    {
        // Arrange
        var serial = Serial();
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices);
        using var first = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "ios"));

        // Act
        using var second = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "android"));
        var html = await ReadAsync(second, HttpStatusCode.Conflict);

        // Assert
        Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        Assert.Contains($"A device with serial number {serial} is already registered.", html, StringComparison.Ordinal);
        Assert.Equal("ios", (await StoredAsync(serial))!.Platform);
    }

    [Fact]
    public async Task AddDevice_DepartmentScopeWithoutOwner_IsRefusedAndAddsNothing()
    {
        // Arrange: a device without an owner is reached only with scope All.
        using var browser = await SignedInWithAsync(App, Scope.Department, Workflow.Devices);
        var serial = Serial();

        // Act
        using var response = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "ios"));
        var html = await ReadAsync(response, HttpStatusCode.Forbidden);

        // Assert
        Assert.Contains("A device without an owner is reached only by a role that grants &#x27;Devices&#x27; with scope All.", html, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(serial));
    }

    [Fact]
    public async Task List_StatusFilterAndTooLongSerial_ShowOnlyMatchesOrTheMessage()
    {
        // Arrange
        var serial = Serial();
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices);
        using var added = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "windows"));

        // Act
        var registered = await browser.GetStringAsync($"/console/devices?serial={serial}&status=Registered");
        var cancelled = await browser.GetStringAsync($"/console/devices?serial={serial}&status=Cancelled");
        using var tooLong = await browser.GetAsync("/console/devices?serial=" + new string('x', 101));
        var tooLongHtml = await ReadAsync(tooLong, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains($">{serial}</a>", registered, StringComparison.Ordinal);
        Assert.DoesNotContain($">{serial}</a>", cancelled, StringComparison.Ordinal);
        Assert.Contains("0 devices found.", cancelled, StringComparison.Ordinal);
        Assert.Contains("<span class=\"field-error\" id=\"serialNumber-error\">The serial number filter must be at most 100 characters long.</span>", tooLongHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelDevice_FromItsPage_MarksItCancelledAndABadReasonChangesNothing()
    {
        // Arrange
        var serial = Serial();
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices);
        using var added = await SubmitAsync(browser, "/console/devices/new", "add-device", ("serialNumber", serial), ("platform", "cli"));
        var page = added.Headers.Location!.AbsolutePath;

        // Act
        using var bad = await SubmitAsync(browser, page, "cancel-device", ("reason", "bored"));
        var badHtml = await ReadAsync(bad, HttpStatusCode.BadRequest);
        var afterBad = (await StoredAsync(serial))!.Status;
        using var cancelled = await SubmitAsync(browser, page, "cancel-device", ("reason", "superseded"), ("details", "new phone"));
        var html = await ReadAsync(cancelled, HttpStatusCode.OK);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"reason-error\">&#x27;bored&#x27; is not a cancellation reason", badHtml, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Registered, afterBad);
        Assert.Contains("Device cancelled; 0 mobile IDs on it cancelled.", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"device-status\">Cancelled<", html, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Cancelled, (await StoredAsync(serial))!.Status);
    }

    [Fact]
    public async Task DevicePage_CertificateEnrolledForTheDevice_ListedAndRevokedByCancelDevice()
    {
        // Arrange: a static-challenge enrolment (SCEP/EST) makes the device and its certificate.
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "kiosk-" + tag, ca = "MobileIdIssuingCA", keyAlgorithm = "Rsa2048", keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" }, subjectTemplate = "CN={displayName}", validityDays = 30,
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/profiles", new
        {
            name = "kiosks-" + tag, cardEncoding = "DeviceIdentityOnly", requireChallenge = true, staticChallenge = "kiosk-static-challenge-" + tag,
            certificates = new[] { new { policy = "kiosk-" + tag, container = "System Store", mode = "IssueNew" } },
        })).StatusCode);
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN=kiosk, SERIALNUMBER=K-{tag}", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var enrolled = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Protocols.ProtocolEnrolment>().EnrolAsync(
            MobileId.Server.Features.Protocols.EnrolmentProtocol.Scep, "kiosk-static-challenge-" + tag, csr, new(), CancellationToken.None));
        Assert.True(enrolled.IsSuccess, enrolled.Message);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.Devices);
        var page = $"/console/devices/{enrolled.Value!.Certificate.DeviceId}";

        // Act
        var before = await browser.GetStringAsync(page);
        using var cancelled = await SubmitAsync(browser, page, "cancel-device", ("reason", "cessationOfOperation"));
        var after = await ReadAsync(cancelled, HttpStatusCode.OK);

        // Assert
        Assert.Contains($"<h1>Device K-{tag}</h1>", before, StringComparison.Ordinal);
        Assert.Contains($"<code>{enrolled.Value.Certificate.SerialHex}</code></td><td>CN=kiosk, SERIALNUMBER=K-{tag}</td><td>Valid</td>", before, StringComparison.Ordinal);
        Assert.Contains($"<code>{enrolled.Value.Certificate.SerialHex}</code></td><td>CN=kiosk, SERIALNUMBER=K-{tag}</td><td>Revoked</td>", after, StringComparison.Ordinal);
    }
}
