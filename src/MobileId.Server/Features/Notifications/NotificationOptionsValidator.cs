using Microsoft.Extensions.Options;
using MimeKit;

namespace MobileId.Server.Features.Notifications;

/// <summary>Stops the server at start when email or the SMS gateway is configured in a way that cannot work.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<EmailOptions>, IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add("MobileId:Email:Mode must be Pickup or Smtp.");
        }

        if (options.Mode == EmailMode.Smtp && string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("MobileId:Email:Host is required when MobileId:Email:Mode is Smtp (for example smtp.example.org).");
        }

        if (!Enum.IsDefined(options.Security))
        {
            errors.Add("MobileId:Email:Security must be None, StartTls or SslOnConnect.");
        }

        if (!MailboxAddress.TryParse(options.FromAddress, out var from) || from.Address != options.FromAddress.Trim())
        {
            errors.Add($"MobileId:Email:FromAddress must be an email address such as mobileid@example.org; '{options.FromAddress}' is not.");
        }

        if (options.Mode == EmailMode.Pickup && string.IsNullOrWhiteSpace(options.PickupDirectory))
        {
            errors.Add("MobileId:Email:PickupDirectory must name a folder when MobileId:Email:Mode is Pickup.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        if (!options.HasGateway)
        {
            return ValidateOptionsResult.Success;
        }

        return Uri.TryCreate(options.GatewayUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"MobileId:Sms:GatewayUrl must be an absolute http:// or https:// address; '{options.GatewayUrl}' is not.");
    }
}
