using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MobileId.Agent;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Renewal;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Renewal;

/// <summary>
/// Automatic Renewal and Collect My Updates end to end (PRODUCT.md §4, §5.5, §5.6): a mobile ID
/// collected by the real agent on a loopback server, the renewal job run with its clock moved ahead
/// (the job's clock alone: certificates and OCSP keep the real time), the notice read from the mail
/// pickup folder, then <c>mobileid-agent update</c>, checked with <c>openssl verify</c> and <c>openssl ocsp</c>.
/// </summary>
public sealed partial class RenewalTests : AgentMessagingTestKit
{
    /// <summary>Certificates live 30 days and renew in their last 29: two days on, every one is due.</summary>
    private const int ValidityDays = 30;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    protected override void Configure(MobileIdApp app)
    {
        base.Configure(app);
        app.TestServices = services =>
        {
            // Note: the job runs when the test says, with the job's clock replaced by the fake.
            var job = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(RenewalJob));
            services.Remove(job);
            services.RemoveAllKeyed<TimeProvider>(RenewalService.ClockKey);
            services.AddKeyedSingleton<TimeProvider>(RenewalService.ClockKey, _clock);
        };
    }

    /// <summary>A policy (automatic renewal unless told, key made on the device or the server), a profile with it in the System Store, a Cardholder with an email, and a collected mobile ID.</summary>
    private async Task<Collected> CollectedAsync(string keyGeneration, bool renews = true, CardEncoding encoding = CardEncoding.IdentityAgent)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var policy = await CreatePolicyAsync("renew-" + tag, keyGeneration, renews && encoding != CardEncoding.DerivedCredential);
        var profile = "phone-" + tag;
        var saved = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput(profile, null, encoding, null, false, null, null, null, null, null, null, null,
                [new ProfileCertificateInput(policy, "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        if (renews && encoding == CardEncoding.DerivedCredential)
        {
            // Note: a derived-credential profile refuses a renewing policy; the policy is switched afterwards.
            await SetRenewalAsync(policy, true);
        }

        var email = $"holder{tag}@example.org";
        var person = await App.CreatePersonAsync("holder" + tag, null, email, "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput(profile, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        var store = "store-" + tag;
        var collected = await CollectAsync(store, requested.Value!.Link, requested.Value.Code!, "SN-" + tag);
        Assert.True(collected.Code == 0, collected.ToString());
        return new Collected(requested.Value.Id, person.Id, email, profile, policy, store, Serials(await AgentAsync("list", "--store", StorePath(store))).Single());
    }

    private sealed record Collected(Guid MobileId, Guid PersonId, string Email, string Profile, string Policy, string Store, string Serial);

    private async Task<string> CreatePolicyAsync(string name, string keyGeneration, bool renews)
    {
        using var admin = await App.AdminClientAsync();
        var created = await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name, ca = IssuingCa, keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" }, extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" },
            subjectTemplate = "CN={displayName}", validityDays = ValidityDays, keyGeneration,
            automaticRenewal = renews, renewalDaysBeforeExpiry = renews ? ValidityDays - 1 : 0,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return name;
    }

    private Task SetRenewalAsync(string policy, bool renews) => App.WithDbAsync(async db =>
        await db.CertificatePolicies.Where(p => p.Name == policy).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.AutomaticRenewal, renews).SetProperty(p => p.RenewalDaysBeforeExpiry, ValidityDays - 1)));

    private Task<RenewalPass> RunJobAsync() => App.Services.GetRequiredService<RenewalService>().RunOnceAsync(CancellationToken.None);

    private Task<AgentRun> UpdateAsync(string store, HttpMessageHandler? handler = null) =>
        AgentAsync(handler, "update", "--store", StorePath(store), "--pin", Pin);

    private static List<string> Serials(AgentRun listed) => listed.Output.Split("serial ").Skip(1).Select(s => s.Split(' ')[0]).ToList();

    /// <summary>Sends the outbox and returns the subjects of the mails to this address.</summary>
    private async Task<List<string>> MailSubjectsAsync(string address)
    {
        await App.Services.GetRequiredService<NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);
        return !Directory.Exists(PickupFolder)
            ? []
            : Directory.GetFiles(PickupFolder, "*.eml").Select(f => MimeMessage.Load(f)).Where(m => m.To.Mailboxes.Any(a => a.Address == address))
                .Select(m => m.Subject + " | " + m.TextBody).ToList();
    }

    private Task<List<IssuedCertificate>> CertificatesAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId)
            .OrderBy(c => c.CreatedAt).ToListAsync());

    private Task<int> NotificationCountAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Notifications.CountAsync(n => n.MobileIdentityId == mobileId));

    /// <summary>Writes a stored certificate's PEM to a file in this test's folder.</summary>
    private async Task<string> ExportAsync(string store, string serial)
    {
        var pem = await AgentAsync("export", serial, "--pem", "--store", StorePath(store));
        Assert.True(pem.Code == 0, pem.ToString());
        var path = $"{Dir}/{serial}.pem";
        await File.WriteAllTextAsync(path, pem.Output);
        return path;
    }

    private async Task<string> OcspAsync(string pem) =>
        (await ExternalTool.RunAsync("openssl", $"ocsp -issuer {Dir}/issuing.pem -cert {pem} -url {Base}/pki/ocsp -CAfile {Dir}/chain.pem")).Output;

    /// <summary>Signs a file with the stored key of a certificate and verifies it: the key is the certificate's.</summary>
    private async Task AssertKeyMatchesAsync(string store, string serial)
    {
        await File.WriteAllTextAsync($"{Dir}/doc.txt", "renewed");
        var signed = await AgentAsync("sign", serial, $"{Dir}/doc.txt", "--store", StorePath(store), "--pin", Pin);
        Assert.True(signed.Code == 0, signed.ToString());
        var verified = await AgentAsync("verify", $"{Dir}/doc.txt", $"{Dir}/doc.txt.p7s", "--store", StorePath(store));
        Assert.True(verified.Code == 0, verified.ToString());
    }

    [Theory]
    [InlineData("Device", "Your mobile ID will be renewed soon")]
    [InlineData("Server", "Your mobile ID was renewed")]
    public async Task RenewalJob_DueCertificate_NoticeThenUpdateInstallsSuccessorAndSupersedesTheOld(string keyGeneration, string subject)
    {
        // Arrange
        var collected = await CollectedAsync(keyGeneration);
        var oldPem = await ExportAsync(collected.Store, collected.Serial);
        await SubscribeAsync("renewed");
        _clock.Advance(TimeSpan.FromDays(2));

        // Act
        var pass = await RunJobAsync();
        var mails = await MailSubjectsAsync(collected.Email);
        var updated = await UpdateAsync(collected.Store);
        var listed = await AgentAsync("list", "--store", StorePath(collected.Store));
        var newSerial = await AssertStoredCertificateChainsAndIsGoodAsync(collected.Store);
        var oldOcsp = await OcspAsync(oldPem);

        // Assert
        Assert.Equal(keyGeneration == "Server" ? new RenewalPass(1, 0, 0) : new RenewalPass(0, 1, 0), pass);
        var notice = Assert.Single(mails, m => m.StartsWith(subject, StringComparison.Ordinal));
        Assert.Contains(collected.Profile, notice, StringComparison.Ordinal);
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Contains($"Mobile ID {collected.MobileId} ({collected.Profile}): 1 renewed, 0 added, 1 removed.", updated.Output, StringComparison.Ordinal);
        Assert.NotEqual(collected.Serial, newSerial);
        Assert.Equal([newSerial], Serials(listed));
        await AssertKeyMatchesAsync(collected.Store, newSerial);
        Assert.Contains(": revoked", oldOcsp, StringComparison.Ordinal);
        Assert.Contains("Reason: superseded", oldOcsp, StringComparison.Ordinal);
        var certificates = await CertificatesAsync(collected.MobileId);
        Assert.Equal(2, certificates.Count);
        Assert.Equal(certificates[0].Id, certificates[1].RenewsId);
        Assert.Equal(0, certificates[1].Slot);
        Assert.Null(certificates[1].PendingKey);
        Assert.Equal(["certificate.renewed"], await ActionsAsync(collected.PersonId, "certificate.renewed"));
        var renewed = Assert.Single(await WebhookPayloadsAsync("renewed"));
        Assert.Contains(collected.MobileId.ToString(), renewed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewalJob_HolderWithEmailAndMobileNumber_NoticeByBothOnce()
    {
        // Arrange
        var collected = await CollectedAsync("Server");
        await App.WithDbAsync(db => db.People.Where(p => p.Id == collected.PersonId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Mobile, "+15551230042")));
        _clock.Advance(TimeSpan.FromDays(2));

        // Act
        await RunJobAsync();
        await RunJobAsync();
        var mails = await MailSubjectsAsync(collected.Email);

        // Assert
        Assert.Single(mails, m => m.StartsWith("Your mobile ID was renewed", StringComparison.Ordinal));
        var sms = Assert.Single(Gateway.Received).Body;
        Assert.Equal("+15551230042", sms.GetProperty("to").GetString());
        Assert.Contains($"your mobile ID {collected.Profile} was renewed", sms.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewalJob_RunTwice_SecondRunIssuesAndSendsNothing()
    {
        // Arrange
        var collected = await CollectedAsync("Server");
        _clock.Advance(TimeSpan.FromDays(2));
        var first = await RunJobAsync();
        var notifications = await NotificationCountAsync(collected.MobileId);

        // Act
        var second = await RunJobAsync();

        // Assert
        Assert.Equal(new RenewalPass(1, 0, 0), first);
        Assert.Equal(new RenewalPass(0, 0, 0), second);
        Assert.Equal(2, (await CertificatesAsync(collected.MobileId)).Count);
        Assert.Equal(notifications, await NotificationCountAsync(collected.MobileId));
    }

    [Fact]
    public async Task RenewalJob_DeviceKeyRunTwice_OneRenewalDueNotice()
    {
        // Arrange
        var collected = await CollectedAsync("Device");
        _clock.Advance(TimeSpan.FromDays(2));

        // Act
        var first = await RunJobAsync();
        var second = await RunJobAsync();

        // Assert
        Assert.Equal(new RenewalPass(0, 1, 0), first);
        Assert.Equal(new RenewalPass(0, 0, 0), second);
        Assert.Single(await MailSubjectsAsync(collected.Email), m => m.StartsWith("Your mobile ID will be renewed soon", StringComparison.Ordinal));
        Assert.NotNull(Assert.Single(await CertificatesAsync(collected.MobileId)).RenewalDueAt);
    }

    [Fact]
    public async Task RenewalJob_CertificateExpired_ExpiredNoticeOnce()
    {
        // Arrange
        var collected = await CollectedAsync("Device", renews: false);
        _clock.Advance(TimeSpan.FromDays(ValidityDays + 1));

        // Act
        var first = await RunJobAsync();
        var second = await RunJobAsync();
        var mails = await MailSubjectsAsync(collected.Email);

        // Assert
        Assert.Equal(new RenewalPass(0, 0, 1), first);
        Assert.Equal(new RenewalPass(0, 0, 0), second);
        var notice = Assert.Single(mails, m => m.StartsWith("Your mobile ID has expired", StringComparison.Ordinal));
        Assert.Contains(collected.Profile, notice, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(await CertificatesAsync(collected.MobileId)).ExpiredNoticeAt);
    }

    [Fact]
    public async Task RenewalJob_DerivedCredentialProfile_NothingRenewed()
    {
        // Arrange
        var collected = await CollectedAsync("Server", encoding: CardEncoding.DerivedCredential);
        _clock.Advance(TimeSpan.FromDays(2));
        var notifications = await NotificationCountAsync(collected.MobileId);

        // Act
        var pass = await RunJobAsync();
        var updated = await UpdateAsync(collected.Store);

        // Assert
        Assert.Equal(new RenewalPass(0, 0, 0), pass);
        var certificate = Assert.Single(await CertificatesAsync(collected.MobileId));
        Assert.Null(certificate.RenewalDueAt);
        Assert.Equal(notifications, await NotificationCountAsync(collected.MobileId));
        Assert.Contains("0 renewed, 0 added, 0 removed", updated.Output, StringComparison.Ordinal);
    }
}
