using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MobileId.Server.Features.Audit;

/// <summary>Registers the audit chain.</summary>
public static class AuditSetup
{
    /// <summary>The audit trail, its verification, and the interceptor that chains every save's records.</summary>
    public static IServiceCollection AddMobileIdAudit(this IServiceCollection services)
    {
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditVerifier>();
        services.AddSingleton<IInterceptor, AuditChainInterceptor>();
        return services;
    }
}
