using MobileId.Server.Features.Notifications;
using static MobileId.Testing.Features.Notifications.NotificationTesting;

namespace MobileId.Interop.Tests.Features.Notifications;

/// <summary>Email through a real SMTP server (aiosmtpd on loopback), sent by MailKit.</summary>
public abstract class SmtpTests(DatabaseProvider provider) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private AioSmtpServer _smtp = null!;
    private MobileIdApp _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = await AioSmtpServer.StartAsync();
        _database = await TestDatabase.CreateAsync(provider);
        _app = new MobileIdApp(_database);
        _app.Settings["MobileId:Email:Mode"] = "Smtp";
        _app.Settings["MobileId:Email:Host"] = "127.0.0.1";
        _app.Settings["MobileId:Email:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _app.Settings["MobileId:Email:FromAddress"] = "id-office@example.org";
        _app.Settings["MobileId:Email:FromName"] = "ID Office";
        _app.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task EnqueueEmail_SmtpMode_AiosmtpdReceivesTheMultipartMessage()
    {
        // Arrange
        var person = await PersonAsync(_app, "Ada", "Lovelace & Sons", "ada@example.org", null);
        var link = "http://127.0.0.1:5080/device/v1/enrol/" + Guid.NewGuid().ToString("N");
        var link2 = link + "-second";

        // Act: two messages in one pass share one SMTP connection.
        var first = await EnqueueAsync(_app, o => o.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvisionLinkOnly,
            Values(("displayName", person.DisplayName), ("link", link), ("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC")),
            new NotificationSubject(person.Id), CancellationToken.None), holdUntil: DateTime.UtcNow.AddHours(1));
        var second = await EnqueueAsync(_app, o => o.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvisionLinkOnly,
            Values(("displayName", person.DisplayName), ("link", link2), ("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC")),
            new NotificationSubject(person.Id), CancellationToken.None), holdUntil: DateTime.UtcNow.AddHours(1));
        await MakeDueAsync(_app, first.Id);
        await MakeDueAsync(_app, second.Id);
        await DispatchAsync(_app);
        var messages = await _smtp.WaitForMessagesAsync(2);
        // Note: the background pass may take the messages first (it looks again a second after a
        // notification is saved); one more pass waits for any running one, so both are marked by now.
        await DispatchAsync(_app);

        // Assert
        var statuses = await _app.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Notifications.AsNoTracking()
            .Where(n => n.Id == first.Id || n.Id == second.Id).Select(n => n.Status).ToListAsync());
        Assert.Equal([NotificationStatus.Sent, NotificationStatus.Sent], statuses);
        Assert.True(messages.Count == 2, _smtp.Output);
        var message = messages.Single(m => m.HtmlBody?.Contains(link + "\"", StringComparison.Ordinal) == true);
        Assert.Equal("ada@example.org", message.To.Mailboxes.Single().Address);
        Assert.Equal("id-office@example.org", message.From.Mailboxes.Single().Address);
        Assert.Equal("ID Office", message.From.Mailboxes.Single().Name);
        Assert.Equal("Your mobile ID from MobileId is ready to collect", message.Subject);
        Assert.Contains("Hello Ada Lovelace &amp; Sons,", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(link, message.TextBody, StringComparison.Ordinal);
        Assert.Contains("separate text message", message.TextBody, StringComparison.Ordinal);
        foreach (var id in new[] { first.Id, second.Id })
        {
            var row = await RowAsync(_app, id);
            Assert.Equal(NotificationStatus.Sent, row.Status);
            Assert.Null(row.WrappedBody);
        }
    }
}

public sealed class SqliteSmtpTests() : SmtpTests(DatabaseProvider.Sqlite);

public sealed class PostgresSmtpTests() : SmtpTests(DatabaseProvider.PostgreSql);
