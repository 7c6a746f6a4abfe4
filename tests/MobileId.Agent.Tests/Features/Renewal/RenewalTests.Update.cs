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

public sealed partial class RenewalTests
{
    [Fact]
    public async Task Update_AfterCancelCredential_RemovesTheIdentityFromTheStore()
    {
        // Arrange
        var collected = await CollectedAsync("Device");
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{collected.MobileId}/cancel", new { })).StatusCode);

        // Act
        var updated = await UpdateAsync(collected.Store);
        var listed = await AgentAsync("list", "--store", StorePath(collected.Store));

        // Assert
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Contains("cancelled by the issuer; removed from this store with its 1 certificate(s) and keys", updated.Output, StringComparison.Ordinal);
        Assert.Contains("No mobile ID", listed.Output, StringComparison.Ordinal);
        Assert.Empty(AgentStore.Peek(StorePath(collected.Store))!.Identities);
    }

    [Fact]
    public async Task Update_AfterDisableThenEnable_ShownDisabledWithCertificatesThenEnabledAgain()
    {
        // Arrange
        var collected = await CollectedAsync("Device");
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{collected.MobileId}/disable", new { reason = "lost" })).StatusCode);

        // Act
        var updated = await UpdateAsync(collected.Store);
        var whileDisabled = await AgentAsync("list", "--store", StorePath(collected.Store));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{collected.MobileId}/enable", new { })).StatusCode);
        var again = await UpdateAsync(collected.Store);
        var afterEnable = await AgentAsync("list", "--store", StorePath(collected.Store));

        // Assert
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Contains("disabled by the issuer", updated.Output, StringComparison.Ordinal);
        Assert.Contains("DISABLED by the issuer", whileDisabled.Output, StringComparison.Ordinal);
        Assert.Equal([collected.Serial], Serials(whileDisabled));
        Assert.Contains("0 renewed, 0 added, 0 removed", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("DISABLED", afterEnable.Output, StringComparison.Ordinal);
        Assert.Equal([collected.Serial], Serials(afterEnable));
    }

    [Fact]
    public async Task Update_InterruptedAfterTheCsrWasSent_SecondUpdateIssuesNothingNewAndInstallsTheSameCertificate()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { ["maximumRetryAttempts"] = 0 } })).StatusCode);
        var collected = await CollectedAsync("Device");
        _clock.Advance(TimeSpan.FromDays(2));
        await RunJobAsync();
        using var cut = new CutAfterCsr();

        // Act
        var interrupted = await UpdateAsync(collected.Store, cut);
        var issuedThen = await CertificatesAsync(collected.MobileId);
        var resumed = await UpdateAsync(collected.Store);
        var listed = await AgentAsync("list", "--store", StorePath(collected.Store));

        // Assert
        Assert.Equal(MobileId.Agent.Program.Unavailable, interrupted.Code);
        Assert.Equal(2, issuedThen.Count);
        Assert.True(resumed.Code == 0, resumed.ToString());
        Assert.Contains("1 renewed, 0 added, 1 removed", resumed.Output, StringComparison.Ordinal);
        var certificates = await CertificatesAsync(collected.MobileId);
        Assert.Equal(issuedThen.Select(c => c.Id), certificates.Select(c => c.Id));
        Assert.Equal([issuedThen[1].SerialHex], Serials(listed));
        Assert.Equal(CertificateStatus.Revoked, certificates[0].Status);
        await AssertKeyMatchesAsync(collected.Store, issuedThen[1].SerialHex);
    }

    [Theory]
    [InlineData("Server")]
    [InlineData("Device")]
    public async Task Update_CertificateAddedToTheProfile_IsDeliveredAndPolicyChangeIsPickedUp(string keyGeneration)
    {
        // Arrange
        var collected = await CollectedAsync("Device", renews: false);
        var added = await CreatePolicyAsync("added-" + collected.Profile, keyGeneration, false);
        var profileId = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CredentialProfiles.Where(p => p.Name == collected.Profile)
            .Select(p => p.Id).SingleAsync());
        var saved = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), profileId,
            new ProfileInput(collected.Profile, null, null, null, false, null, null, null, null, null, null, null,
                [new ProfileCertificateInput(collected.Policy, "System Store", CertificateMode.IssueNew),
                    new ProfileCertificateInput(added, "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { ["maximumRetryAttempts"] = 2 } })).StatusCode);

        // Act
        var updated = await UpdateAsync(collected.Store);
        var listed = await AgentAsync("list", "--store", StorePath(collected.Store));
        var again = await UpdateAsync(collected.Store);

        // Assert
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Contains("0 renewed, 1 added, 0 removed", updated.Output, StringComparison.Ordinal);
        var serials = Serials(listed);
        Assert.Equal(2, serials.Count);
        Assert.Equal(collected.Serial, serials[0]);
        Assert.Contains("with key", listed.Output.Split('\n').Single(l => l.Contains(serials[1], StringComparison.Ordinal)), StringComparison.Ordinal);
        await AssertKeyMatchesAsync(collected.Store, serials[1]);
        Assert.Equal(2, AgentStore.Peek(StorePath(collected.Store))!.Policy.MaximumRetryAttempts);
        Assert.Contains("0 renewed, 0 added, 0 removed", again.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await CertificatesAsync(collected.MobileId)).Count);
        Assert.Null((await CertificatesAsync(collected.MobileId))[1].PendingKey);
    }

    [Fact]
    public async Task Update_LayoutGivenToTheProfileAfterCollection_BadgeArrives()
    {
        // Arrange
        var collected = await CollectedAsync("Device", renews: false);
        using var admin = await App.AdminClientAsync();
        var layout = "badge-" + collected.Profile;
        var created = await admin.PostAsJsonAsync("/api/v1/card-layouts", new { name = layout, description = "Staff badge", elements = new object[] { new { type = "text", field = "displayName" }, new { type = "qr" } } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var profileId = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CredentialProfiles.Where(p => p.Name == collected.Profile)
            .Select(p => p.Id).SingleAsync());
        var saved = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), profileId,
            new ProfileInput(collected.Profile, null, null, null, false, null, null, null, null, null, null, null,
                [new ProfileCertificateInput(collected.Policy, "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)], layout), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        var before = AgentStore.Peek(StorePath(collected.Store))!.Identities.Single().Badge;

        // Act
        var updated = await UpdateAsync(collected.Store);
        var listed = await AgentAsync("list", "--store", StorePath(collected.Store));

        // Assert
        Assert.Null(before);
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Contains($"badge {layout}", listed.Output, StringComparison.Ordinal);
        Assert.Equal([collected.Serial], Serials(listed));
    }

    /// <summary>Passes requests to the server until an update carries a CSR; that one reaches the server, but its answer is lost, and so is everything after it.</summary>
    private sealed class CutAfterCsr() : DelegatingHandler(new HttpClientHandler())
    {
        private bool _cut;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_cut)
            {
                throw new HttpRequestException("connection reset");
            }

            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.Contains("/update/", StringComparison.Ordinal) && body.Contains("\"csr\"", StringComparison.Ordinal))
            {
                _cut = true;
                response.Dispose();
                throw new HttpRequestException("connection reset");
            }

            return response;
        }
    }
}
