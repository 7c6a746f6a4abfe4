using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MobileId.Server.Features.Notifications;

/// <summary>A delivery failure whose message is safe to store and show (no codes, passwords or tokens).</summary>
public sealed class DeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Where email goes: the pickup folder or an SMTP server. One is opened per dispatcher pass.</summary>
public abstract class EmailTransport : IAsyncDisposable
{
    public abstract Task SendAsync(MimeMessage message, Guid notificationId, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    public static EmailTransport Open(EmailOptions options, MobileIdOptions host) => options.Mode switch
    {
        EmailMode.Smtp => new SmtpTransport(options),
        _ => new PickupTransport(options.PickupPath(host)),
    };
}

/// <summary>
/// Writes each message as an RFC 5322 <c>.eml</c> file named by the notification's id. The file is
/// written under a temporary name and renamed, so a mail relay watching the folder never reads half a message.
/// </summary>
public sealed class PickupTransport(string directory) : EmailTransport
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string Directory { get; } = directory;

    public override async Task SendAsync(MimeMessage message, Guid notificationId, CancellationToken cancellationToken)
    {
        try
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                // Note: every message holds a provisioning link and a one-time code: the folder the server
                // makes is readable by its own user only (a relay reading it runs as that user).
                if (OperatingSystem.IsWindows())
                {
                    System.IO.Directory.CreateDirectory(Directory);
                }
                else
                {
                    System.IO.Directory.CreateDirectory(Directory, OwnerOnlyFolder);
                }
            }

            var final = Path.Combine(Directory, notificationId.ToString("N") + ".eml");
            var temporary = Path.Combine(Directory, "." + notificationId.ToString("N") + ".tmp");
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(temporary, create))
            {
                await message.WriteToAsync(stream, cancellationToken);
            }

            File.Move(temporary, final, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeliveryException($"Cannot write to the mail pickup folder {Directory}: {ex.Message}", ex);
        }
    }
}

/// <summary>Sends through an SMTP server with MailKit; one connection serves a whole pass and is opened on first use.</summary>
public sealed class SmtpTransport(EmailOptions options) : EmailTransport
{
    private SmtpClient? _client;

    public override async Task SendAsync(MimeMessage message, Guid notificationId, CancellationToken cancellationToken)
    {
        try
        {
            var client = await ConnectAsync(cancellationToken);
            await client.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Note: after any failure the connection is dropped; the next message opens a new one.
            Drop();
            throw new DeliveryException(Describe(ex), ex);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_client is { IsConnected: true } client)
        {
            try
            {
                await client.DisconnectAsync(quit: true, CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or SmtpProtocolException or SmtpCommandException)
            {
                // The messages were accepted; a failed QUIT changes nothing.
            }
        }

        Drop();
        await base.DisposeAsync();
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } connected)
        {
            return connected;
        }

        var client = new SmtpClient { Timeout = options.TimeoutSeconds * 1000 };
        _client = client;
        var security = options.Security switch
        {
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.None,
        };
        await client.ConnectAsync(options.Host!, options.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            var password = Environment.GetEnvironmentVariable(options.PasswordVariable);
            if (string.IsNullOrEmpty(password))
            {
                throw new DeliveryException(
                    $"MobileId:Email:UserName is set but the environment variable {options.PasswordVariable} that holds the SMTP password is empty.");
            }

            await client.AuthenticateAsync(options.UserName, password, cancellationToken);
        }

        return client;
    }

    private void Drop()
    {
        _client?.Dispose();
        _client = null;
    }

    private string Describe(Exception ex) => ex switch
    {
        DeliveryException delivery => delivery.Message,
        SmtpCommandException command => $"The SMTP server {options.Host}:{options.Port} refused the message: {(int)command.StatusCode} {command.Message}",
        AuthenticationException => $"The SMTP server {options.Host}:{options.Port} refused the user name or password of {options.UserName}.",
        SslHandshakeException => $"TLS with the SMTP server {options.Host}:{options.Port} failed: its certificate is not trusted or it does not speak TLS there.",
        System.Net.Sockets.SocketException socket => $"Cannot reach the SMTP server {options.Host}:{options.Port}: {socket.Message}",
        OperationCanceledException or TimeoutException => $"The SMTP server {options.Host}:{options.Port} did not answer within {options.TimeoutSeconds} s.",
        _ => $"Sending through the SMTP server {options.Host}:{options.Port} failed: {ex.Message}",
    };
}
