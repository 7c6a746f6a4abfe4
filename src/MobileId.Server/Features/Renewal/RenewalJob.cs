using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Renewal;

/// <summary>Runs <see cref="RenewalService"/> on a timer of the server's <see cref="TimeProvider"/>: shortly after start, then every interval.</summary>
public sealed partial class RenewalJob(RenewalService renewal, [FromKeyedServices(RenewalService.ClockKey)] TimeProvider time, IOptions<RenewalOptions> options, ILogger<RenewalJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.FirstRunDelaySeconds), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await renewal.RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }

                await Task.Delay(TimeSpan.FromMinutes(options.Value.IntervalMinutes), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Note: the server is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A renewal pass failed; the next one runs at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Registration of the renewal job.</summary>
public static class RenewalSetup
{
    public static IServiceCollection AddMobileIdRenewal(this IServiceCollection services)
    {
        services.AddOptions<RenewalOptions>().BindConfiguration(RenewalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddKeyedSingleton(RenewalService.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddSingleton<RenewalService>();
        services.AddScoped<RenewalNotices>();
        services.AddScoped<RenewCertificate>();
        services.AddScoped<ExpiryNotice>();
        services.AddHostedService<RenewalJob>();
        return services;
    }
}
