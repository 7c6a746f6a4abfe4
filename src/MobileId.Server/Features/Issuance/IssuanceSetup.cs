using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MobileId.Server.Features.Issuance;

/// <summary>Registers the issuance seam: the built-in CA behind <see cref="ICertificateIssuer"/>, CA creation and the revocation epoch.</summary>
public static class IssuanceSetup
{
    public static IServiceCollection AddMobileIdIssuance(this IServiceCollection services)
    {
        services.TryAddScoped<BuiltInCertificateIssuer>();
        services.TryAddScoped<ICertificateIssuer>(sp => sp.GetRequiredService<BuiltInCertificateIssuer>());
        services.TryAddScoped<CaKeys>();
        if (services.All(d => d.ServiceType != typeof(RevocationEpochWatcher)))
        {
            services.AddSingleton<RevocationEpochWatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<RevocationEpochWatcher>());
        }

        return services;
    }
}
