using MobileId.Server.Features.MobileIds;

namespace MobileId.Server.Features.Protocols;

/// <summary>The services that SCEP, EST and iOS OTA share.</summary>
public static class EnrolmentSetup
{
    public static IServiceCollection AddMobileIdEnrolment(this IServiceCollection services)
    {
        services.AddOptions<ChallengeThrottleOptions>().BindConfiguration(ChallengeThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChallengeThrottle>();
        services.AddSingleton<ChallengeCodes>();
        services.AddSingleton<RegistrationAuthorities>();
        services.AddScoped<EnrolmentIssuer>();
        services.AddScoped<EnrolmentDevices>();
        services.AddScoped<StaticChallengeAuthenticator>();
        services.AddScoped<OneTimeChallengeAuthenticator>();
        services.AddScoped<RenewalAuthenticator>();
        services.AddScoped<ProtocolEnrolment>();
        return services;
    }
}
