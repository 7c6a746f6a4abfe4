using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

/// <summary>Stops the server at start when the database is configured in a way that cannot work.</summary>
internal sealed class MobileIdOptionsValidator : IValidateOptions<MobileIdOptions>
{
    public ValidateOptionsResult Validate(string? name, MobileIdOptions options)
    {
        if (!Enum.IsDefined(options.Database.Provider))
        {
            return ValidateOptionsResult.Fail("MobileId:Database:Provider must be Sqlite or PostgreSql.");
        }

        if (options.Database.Provider == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "MobileId:Database:ConnectionString is required when MobileId:Database:Provider is PostgreSql " +
                "(for example Host=db;Database=mobileid;Username=mobileid;Password=…).");
        }

        return ValidateOptionsResult.Success;
    }
}
