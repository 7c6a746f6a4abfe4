using MimeKit;
using MobileId.Server.Features.Notifications;

namespace MobileId.Server.Tests.Features.Notifications;

/// <summary>
/// The mail pickup folder holds every provisioning link and one-time code until a relay takes it:
/// only the server's own user may read it.
/// </summary>
public sealed class PickupTransportTests : IDisposable
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root = Directory.CreateTempSubdirectory("mid-pickup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Send_NewFolder_FolderAndMessageAreReadableByTheOwnerOnly()
    {
        // Arrange
        var folder = Path.Combine(_root, "mail-pickup");
        await using var transport = new PickupTransport(folder);
        var id = Guid.NewGuid();

        // Act
        await transport.SendAsync(Message(), id, CancellationToken.None);

        // Assert
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(folder));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(folder, id.ToString("N") + ".eml")));
    }

    [Fact]
    public async Task Send_ExistingOpenFolder_MessageIsStillOwnerOnly()
    {
        // Arrange: a folder an operator made readable by everyone.
        var folder = Path.Combine(_root, "shared");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await using var transport = new PickupTransport(folder);
        var id = Guid.NewGuid();

        // Act
        await transport.SendAsync(Message(), id, CancellationToken.None);

        // Assert
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(folder, id.ToString("N") + ".eml")));
    }

    private static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("mobileid@example.org"));
        message.To.Add(MailboxAddress.Parse("eve@example.org"));
        message.Subject = "Your mobile ID";
        message.Body = new TextPart("plain") { Text = "Code 1234 5678" };
        return message;
    }
}
