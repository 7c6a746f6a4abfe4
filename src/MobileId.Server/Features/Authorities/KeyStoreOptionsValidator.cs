namespace MobileId.Server.Features.Authorities;

/// <summary>Stops the server at start when the PKCS#11 key store is chosen but not described.</summary>
internal sealed class KeyStoreOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<KeyStoreOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, KeyStoreOptions options)
    {
        if (options.Kind != KeyStoreKind.Pkcs11)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Pkcs11.LibraryPath))
        {
            errors.Add("MobileId:KeyStore:Pkcs11:LibraryPath is required when MobileId:KeyStore:Kind is Pkcs11 (for example /usr/lib/softhsm/libsofthsm2.so).");
        }

        if (string.IsNullOrWhiteSpace(options.Pkcs11.TokenLabel) && options.Pkcs11.SlotId is null)
        {
            errors.Add("MobileId:KeyStore:Pkcs11:TokenLabel or MobileId:KeyStore:Pkcs11:SlotId is required when MobileId:KeyStore:Kind is Pkcs11.");
        }

        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
