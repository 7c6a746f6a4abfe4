using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Renewal;

namespace MobileId.Server.Tests.Features.Renewal;

/// <summary>
/// The renewal job on SQLite and PostgreSQL, run by two job instances at once (as two server nodes
/// on one database would) and then again: one successor, one notice.
/// </summary>
public abstract class RenewalConcurrencyTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    /// <summary>A mobile ID of a server-key profile, collected and confirmed over the device protocol; its policy renews 31 days before the end of 30-day certificates, so it is due at once.</summary>
    private async Task<Guid> IssuedAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var policy = await fixture.App.WithServicesAsync(s => s.GetRequiredService<PoliciesService>().SaveAsync(Caller.System("test"), null,
            new PolicyInput($"renew-{tag}", "MobileIdIssuingCA", KeyAlgorithm.EcdsaP256, [X509KeyUsageFlags.DigitalSignature], ["1.3.6.1.5.5.7.3.2"],
                "CN={displayName}", null, null, null, 30, KeyGeneration.Server, null, true, 29), CancellationToken.None));
        Assert.True(policy.IsSuccess, policy.Error?.Detail);
        await fixture.App.WithDbAsync(db => db.CertificatePolicies.Where(p => p.Name == $"renew-{tag}").ExecuteUpdateAsync(s => s.SetProperty(p => p.RenewalDaysBeforeExpiry, 31)));
        var profile = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("phone-" + tag, null, null, null, null, null, null, null, null, null, null, null,
                [new ProfileCertificateInput($"renew-{tag}", "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
        var person = await fixture.App.CreatePersonAsync("renew" + tag, null, $"renew{tag}@example.org", "Cardholder");
        var requested = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        using var client = fixture.App.CreateClient();
        var enrolled = await client.PostAsJsonAsync(new Uri(requested.Value!.Link).AbsolutePath, new
        {
            code = requested.Value.Code, sessionKey = Convert.ToBase64String(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo()),
            device = new { serialNumber = "SN-" + tag, platform = "android", model = "Pixel 9", osVersion = "16", keyStores = new[] { "System Store" } },
        });
        var session = (await MobileIdApp.ReadJsonAsync(enrolled)).GetProperty("sessionToken").GetString()!;
        foreach (var step in new[] { "collect", "confirm" })
        {
            using var call = new HttpRequestMessage(HttpMethod.Post, $"/device/v1/{step}/{requested.Value.Id}")
            {
                Content = step == "collect" ? JsonContent.Create(new { certificateRequests = Array.Empty<object>() }) : null,
                Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Session", session) },
            };
            var response = await client.SendAsync(call);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        return requested.Value.Id;
    }

    [Fact]
    public async Task RunOnce_TwoJobsAtOnceThenAgain_OneSuccessorAndOneNotice()
    {
        // Arrange
        var mobileId = await IssuedAsync();
        var first = fixture.App.Services.GetRequiredService<RenewalService>();
        var second = ActivatorUtilities.CreateInstance<RenewalService>(fixture.App.Services);

        // Act
        await Task.WhenAll(first.RunOnceAsync(CancellationToken.None), second.RunOnceAsync(CancellationToken.None));
        await second.RunOnceAsync(CancellationToken.None);

        // Assert
        var certificates = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking()
            .Where(c => c.MobileIdentityId == mobileId).OrderBy(c => c.CreatedAt).ToListAsync());
        Assert.Equal(2, certificates.Count);
        Assert.Equal(certificates[0].Id, certificates[1].RenewsId);
        Assert.NotNull(certificates[1].PendingKey);
        Assert.Equal(1, await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Notifications
            .CountAsync(n => n.MobileIdentityId == mobileId && n.Template == TemplateCatalog.MobileRenewedEmail)));
    }
}

public sealed class SqliteRenewalConcurrencyTests(SqliteAppFixture fixture) : RenewalConcurrencyTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresRenewalConcurrencyTests(PostgresAppFixture fixture) : RenewalConcurrencyTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
