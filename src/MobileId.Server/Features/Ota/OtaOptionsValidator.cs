using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Ota;

/// <summary>Fails start-up when the configured signing certificate cannot be used, rather than at the first iPhone.</summary>
internal sealed class OtaOptionsValidator : IValidateOptions<OtaOptions>
{
    public ValidateOptionsResult Validate(string? name, OtaOptions options)
    {
        try
        {
            OtaSigner.Load(options);
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }

        return options.IntroductionFile is { Length: > 0 } file && !File.Exists(file)
            ? ValidateOptionsResult.Fail($"MobileId:Ota:IntroductionFile names {file}, which does not exist.")
            : ValidateOptionsResult.Success;
    }
}
