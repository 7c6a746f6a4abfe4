using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace MobileId.Server.Features.Health;

/// <summary><c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> (PRODUCT.md §13).</summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddMobileIdHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddDbContextCheck<MobileIdDbContext>("database", tags: [ReadyTag])
            .AddCheck<DataDirectoryHealthCheck>("data-directory", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapMobileIdHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithName("Live").ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithName("Ready").ExcludeFromDescription();
        app.MapMetrics("/metrics");
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

/// <summary>The data directory holds the SQLite file, keys and mail; the server is not ready if it cannot write there.</summary>
internal sealed class DataDirectoryHealthCheck(Microsoft.Extensions.Options.IOptions<MobileIdOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = options.Value.DataPath;
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, ".ready-probe");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The data directory {path} is not writable."));
        }
    }
}
