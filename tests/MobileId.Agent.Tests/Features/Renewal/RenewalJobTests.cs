using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using MobileId.Server.Features.Renewal;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Renewal;

/// <summary>The renewal job runs by itself on the timer of its clock: its first pass shortly after start, then every interval.</summary>
public sealed class RenewalJobTests : AgentTestKit
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    protected override void Configure(MobileIdApp app)
    {
        app.Settings["MobileId:Renewal:FirstRunDelaySeconds"] = "30";
        app.TestServices = services =>
        {
            services.RemoveAllKeyed<TimeProvider>(RenewalService.ClockKey);
            services.AddKeyedSingleton<TimeProvider>(RenewalService.ClockKey, _clock);
        };
    }

    [Fact]
    public async Task RenewalJob_ItsClockPassesTheFirstDelay_MarksTheDueCertificateWithoutBeingCalled()
    {
        // Arrange
        await RequestAndCollectAsync(StorePath("timer"));
        // Note: the collected certificate lives 365 days; renewing 366 days before expiry makes it due at once.
        await App.WithDbAsync(db => db.CertificatePolicies.ExecuteUpdateAsync(s => s.SetProperty(p => p.AutomaticRenewal, true)
            .SetProperty(p => p.RenewalDaysBeforeExpiry, 366)));
        _clock.Advance(TimeSpan.FromSeconds(29));
        var beforeTheDelay = await RenewalDueAtAsync();

        // Act
        _clock.Advance(TimeSpan.FromSeconds(2));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        DateTime? marked;
        while ((marked = await RenewalDueAtAsync()) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // Assert
        Assert.Null(beforeTheDelay);
        Assert.NotNull(marked);
    }

    private Task<DateTime?> RenewalDueAtAsync() =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking()
            .Where(c => c.MobileIdentityId != null).Select(c => c.RenewalDueAt).SingleAsync());
}
