using System.Text;
using MimeKit;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using static MobileId.Testing.Features.Notifications.NotificationTesting;

namespace MobileId.Server.Tests.Features.Notifications;

/// <summary>The outbox from enqueue to delivery: the pickup folder, the HTTP SMS gateway, email-to-SMS, retries and resend.</summary>
public abstract class OutboxTests<TFixture>(TFixture fixture) where TFixture : NotificationsAppFixture
{
    private const string Code = "48213957";

    private MobileIdApp App => fixture.App;

    private string PickupFolder => Path.Combine(App.Database.Directory, "data", "mail-pickup");

    [Fact]
    public async Task EnqueueEmail_ThenDispatch_WritesAnHtmlEmlWithTextPartAndErasesTheBody()
    {
        // Arrange: a name that must be HTML-encoded, and the code in the message.
        var person = await PersonAsync(App, "Zoë", "<O'Brien & Co>", "zoe.obrien@example.org", null);
        var link = "http://127.0.0.1:5080/device/v1/enrol/" + Guid.NewGuid().ToString("N");
        var values = Values(("displayName", person.DisplayName), ("link", link), ("code", Code), ("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC"));

        // Act: queued but held back, so that the stored row can be looked at before it is sent.
        var queued = await EnqueueAsync(App, o => o.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvision, values, new NotificationSubject(person.Id), CancellationToken.None),
            holdUntil: DateTime.UtcNow.AddHours(1));
        var stored = await RowAsync(App, queued.Id);
        await MakeDueAsync(App, queued.Id);
        await DispatchAsync(App);
        var sent = await RowAsync(App, queued.Id);

        // Assert: the code is in no column in clear before sending.
        Assert.Equal(NotificationStatus.Pending, stored.Status);
        Assert.DoesNotContain("4821", stored.Subject, StringComparison.Ordinal);
        Assert.NotNull(stored.WrappedBody);
        foreach (var form in new[] { Code, "4821 3957" })
        {
            Assert.Equal(-1, stored.WrappedBody.AsSpan().IndexOf(Encoding.UTF8.GetBytes(form)));
        }

        Assert.Equal(NotificationStatus.Sent, sent.Status);
        Assert.Null(sent.WrappedBody);
        Assert.Equal(1, sent.Attempts);
        Assert.NotNull(sent.SentAt);
        var file = Path.Combine(PickupFolder, queued.Id.ToString("N") + ".eml");
        Assert.True(File.Exists(file), $"{file} was not written");
        Assert.Empty(Directory.GetFiles(PickupFolder, "*.tmp"));
        var message = await MimeMessage.LoadAsync(file);
        Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal("zoe.obrien@example.org", message.To.Mailboxes.Single().Address);
        Assert.Equal("Your mobile ID from MobileId is ready to collect", message.Subject);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Contains($"<a href=\"{link}\">", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Zoë &lt;O&#39;Brien &amp; Co&gt;", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("4821 3957", message.HtmlBody, StringComparison.Ordinal);
        Assert.NotNull(message.TextBody);
        Assert.Contains(link, message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello Zoë <O'Brien & Co>,", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<p>", message.TextBody, StringComparison.Ordinal);
        var audited = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.AsNoTracking()
            .SingleAsync(a => a.Action == "notification.sent" && a.TargetId == queued.Id.ToString()));
        Assert.Equal(person.Id, audited.TargetPersonId);
        Assert.DoesNotContain("zoe.obrien", audited.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueEmail_MailFormatText_WritesPlainTextOnly()
    {
        // Arrange
        await SetSettingsAsync(App, ("mailFormat", "Text"));
        try
        {
            var person = await PersonAsync(App, "Text", "Reader", "text.reader@example.org", null);

            // Act
            var queued = await EnqueueAsync(App, o => o.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileRenewedEmail,
                Values(("displayName", person.DisplayName), ("profile", "Staff"), ("expiresAt", "2031-02-03 04:05 UTC")), new NotificationSubject(person.Id), CancellationToken.None));
            await DispatchAsync(App);

            // Assert
            Assert.False(queued.IsHtml);
            var message = await MimeMessage.LoadAsync(Path.Combine(PickupFolder, queued.Id.ToString("N") + ".eml"));
            Assert.Null(message.HtmlBody);
            Assert.Contains("valid until 2031-02-03 04:05 UTC", message.TextBody, StringComparison.Ordinal);
            Assert.IsType<TextPart>(message.Body);
        }
        finally
        {
            await SetSettingsAsync(App, ("mailFormat", "HTML"));
        }
    }

    [Fact]
    public async Task EnqueueEmail_NoOneCallsTheDispatcher_TheBackgroundSendsItWithinASecondOrSo()
    {
        // Arrange
        var person = await PersonAsync(App, "Quick", "Mail", "quick.mail@example.org", null);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // Act
        var queued = await EnqueueAsync(App, o => o.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileRenewedEmail,
            Values(("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC")), new NotificationSubject(person.Id), CancellationToken.None));
        var file = Path.Combine(PickupFolder, queued.Id.ToString("N") + ".eml");
        while (!File.Exists(file) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        // Assert: woken by the save, not by the 15 s poll (a loaded CI machine gets some slack).
        Assert.True(File.Exists(file), "the background dispatcher did not send the mail within 10 s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the mail took {watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task DispatchDue_TwoDispatchersAtOnce_SendEachSmsExactlyOnce()
    {
        // Arrange: a second dispatcher, as on another node, with a gate of its own.
        fixture.Gateway.Status = 200;
        var other = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<NotificationDispatcher>(App.Services);
        var prefix = "+4930" + Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var number = prefix + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            ids.Add((await EnqueueAsync(App, o => o.EnqueueSmsAsync(number, TemplateCatalog.MobileRenewedSms,
                Values(("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC")), new NotificationSubject(null), CancellationToken.None),
                holdUntil: DateTime.UtcNow.AddHours(1))).Id);
        }

        await App.WithDbAsync(db => db.Notifications.Where(n => ids.Contains(n.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(n => n.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1))));

        // Act (this node's background dispatcher may join in as well)
        var counts = await Task.WhenAll(DispatchAsync(App), other.DispatchDueAsync(CancellationToken.None), DispatchAsync(App));

        // Assert
        var received = fixture.Gateway.Received.Select(r => r.Body.GetProperty("to").GetString()!).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(12, received.Count);
        Assert.Equal(12, received.Distinct().Count());
        Assert.True(counts.Sum() <= 12, $"{counts.Sum()} sends counted for 12 messages");
        foreach (var id in ids)
        {
            var row = await RowAsync(App, id);
            Assert.Equal(NotificationStatus.Sent, row.Status);
            Assert.Equal(1, row.Attempts);
        }
    }

    [Fact]
    public async Task EnqueueSms_HttpGateway_PostsNumberAndGroupedCodeWithBearerToken()
    {
        // Arrange
        fixture.Gateway.Status = 200;
        var person = await PersonAsync(App, "Sam", "Texter", null, "+44 7700 900123");

        // Act
        var queued = await EnqueueAsync(App, o => o.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileOtpSms,
            Values(("code", Code), ("expiresAt", "2030-01-01 10:00 UTC")), new NotificationSubject(person.Id), CancellationToken.None));
        await DispatchAsync(App);

        // Assert
        Assert.Equal(NotificationChannel.Sms, queued.Channel);
        Assert.Equal("+447700900123", queued.Recipient);
        var received = fixture.Gateway.Received.Where(r => r.Body.GetProperty("to").GetString() == "+447700900123").ToList();
        var (authorization, body) = Assert.Single(received);
        Assert.Equal("Bearer " + NotificationsAppFixture.Token, authorization);
        Assert.Contains("4821 3957", body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("MobileId: your mobile ID code is", body.GetProperty("text").GetString(), StringComparison.Ordinal);
        var sent = await RowAsync(App, queued.Id);
        Assert.Equal(NotificationStatus.Sent, sent.Status);
        Assert.Null(sent.WrappedBody);
    }

    [Fact]
    public async Task EnqueueSms_SmsEmailNotificationsOn_SendsAnEmailToDigitsAtTheGateway()
    {
        // Arrange
        await SetSettingsAsync(App, ("smsGatewayUrlForNotifications", "sms.example.net"), ("smsEmailNotifications", true));
        try
        {
            var person = await PersonAsync(App, "Mail", "ToSms", null, "+1 (555) 010-4477");

            // Act
            var queued = await EnqueueAsync(App, o => o.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileProvisionSms,
                Values(("link", "http://127.0.0.1:5080/device/v1/enrol/abc"), ("code", Code), ("expiresAt", "2030-01-01 10:00 UTC")),
                new NotificationSubject(person.Id), CancellationToken.None));
            await DispatchAsync(App);

            // Assert
            Assert.Equal(NotificationChannel.Email, queued.Channel);
            Assert.Equal("15550104477@sms.example.net", queued.Recipient);
            Assert.False(queued.IsHtml);
            var message = await MimeMessage.LoadAsync(Path.Combine(PickupFolder, queued.Id.ToString("N") + ".eml"));
            Assert.Equal("15550104477@sms.example.net", message.To.Mailboxes.Single().Address);
            Assert.True(string.IsNullOrEmpty(message.Subject), $"an SMS sent as email has no subject, got '{message.Subject}'");
            Assert.Null(message.HtmlBody);
            Assert.Contains("Code: 4821 3957", message.TextBody, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Gateway.Received, r => r.Body.GetProperty("to").GetString()!.Contains("5550104477", StringComparison.Ordinal));
        }
        finally
        {
            await SetSettingsAsync(App, ("smsEmailNotifications", false), ("smsGatewayUrlForNotifications", ""));
        }
    }

    [Fact]
    public async Task GatewayFailing_RetriesWithBackoffThenFails_ListedWithErrorThenResentAndSent()
    {
        // Arrange
        var person = await PersonAsync(App, "Retry", "Person", null, "+31 6 1234 5678");
        using var operators = await RequestIdClientAsync(App, Scope.All);
        fixture.Gateway.Status = 500;
        try
        {
            var queued = await EnqueueAsync(App, o => o.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileOtpSms,
                Values(("code", Code), ("expiresAt", "2030-01-01 10:00 UTC")), new NotificationSubject(person.Id), CancellationToken.None));
            var options = App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationOptions>>().Value;

            // Act: every attempt fails; each wait is twice the one before.
            for (var attempt = 1; attempt <= NotificationsAppFixture.MaxAttempts; attempt++)
            {
                if (attempt > 1)
                {
                    await MakeDueAsync(App, queued.Id);
                }

                var before = DateTime.UtcNow;
                await DispatchAsync(App);
                var after = DateTime.UtcNow;
                var row = await RowAsync(App, queued.Id);
                Assert.Equal(attempt, row.Attempts);
                Assert.Equal("The SMS gateway answered 500 Internal Server Error.", row.LastError);
                Assert.NotNull(row.WrappedBody);
                if (attempt < NotificationsAppFixture.MaxAttempts)
                {
                    Assert.Equal(NotificationStatus.Pending, row.Status);
                    var wait = TimeSpan.FromSeconds(options.RetryBaseSeconds * Math.Pow(2, attempt - 1));
                    Assert.InRange(row.NextAttemptAt, before + wait - TimeSpan.FromSeconds(1), after + wait + TimeSpan.FromSeconds(1));
                }
                else
                {
                    Assert.Equal(NotificationStatus.Failed, row.Status);
                }
            }

            var failedList = await MobileIdApp.ReadJsonAsync(await operators.GetAsync($"/api/v1/notifications?status=Failed&personId={person.Id}"));
            fixture.Gateway.Status = 200;
            var resent = await operators.PostAsync($"/api/v1/notifications/{queued.Id}/resend", null);
            var pending = await RowAsync(App, queued.Id);
            await DispatchAsync(App);
            var sent = await RowAsync(App, queued.Id);
            var again = await operators.PostAsync($"/api/v1/notifications/{queued.Id}/resend", null);

            // Assert
            var item = Assert.Single(failedList.GetProperty("items").EnumerateArray());
            Assert.Equal(queued.Id, item.GetProperty("id").GetGuid());
            Assert.Equal("Failed", item.GetProperty("status").GetString());
            Assert.Equal(NotificationsAppFixture.MaxAttempts, item.GetProperty("attempts").GetInt32());
            Assert.Equal("The SMS gateway answered 500 Internal Server Error.", item.GetProperty("lastError").GetString());
            Assert.Equal("+31******678", item.GetProperty("recipient").GetString());
            Assert.True(item.GetProperty("canResend").GetBoolean());
            Assert.False(item.TryGetProperty("wrappedBody", out _));
            Assert.DoesNotContain("4821", item.ToString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
            Assert.Equal(NotificationStatus.Pending, pending.Status);
            Assert.Equal(0, pending.Attempts);
            Assert.Equal(NotificationStatus.Sent, sent.Status);
            Assert.Null(sent.WrappedBody);
            var problem = await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
            Assert.Contains("make a new request", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
                .AnyAsync(a => a.Action == "notification.failed" && a.TargetId == queued.Id.ToString())));
            Assert.True(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
                .AnyAsync(a => a.Action == "notification.resent" && a.TargetId == queued.Id.ToString() && a.TargetPersonId == person.Id)));
        }
        finally
        {
            fixture.Gateway.Status = 200;
        }
    }

    [Fact]
    public async Task ListNotifications_DepartmentScope_ShowsOnlyPeopleInScopeAndMasksRecipients()
    {
        // Arrange
        var inside = await App.CreateGroupAsync("nt-in-" + Guid.NewGuid().ToString("N")[..6]);
        var outside = await App.CreateGroupAsync("nt-out-" + Guid.NewGuid().ToString("N")[..6]);
        var caller = await PersonAsync(App, "Desk", "Operator", null, null, inside);
        var near = await PersonAsync(App, "Near", "Person", "near.person@example.org", null, inside);
        var far = await PersonAsync(App, "Far", "Person", "far.person@example.org", null, outside);
        Task<Notification> ToPersonAsync(PersonView p) => EnqueueAsync(App, o => o.EnqueueEmailAsync(p.Email!, TemplateCatalog.MobileExpiredEmail,
            Values(("profile", "Staff"), ("expiresAt", "2030-01-01 10:00 UTC")), new NotificationSubject(p.Id), CancellationToken.None));
        var nearNotification = await ToPersonAsync(near);
        var farNotification = await ToPersonAsync(far);
        using var department = await RequestIdClientAsync(App, Scope.Department, caller.Id);

        // Act
        var listed = await MobileIdApp.ReadJsonAsync(await department.GetAsync("/api/v1/notifications?pageSize=200"));
        var resendFar = await department.PostAsync($"/api/v1/notifications/{farNotification.Id}/resend", null);

        // Assert
        var ids = listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(nearNotification.Id, ids);
        Assert.DoesNotContain(farNotification.Id, ids);
        var item = listed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == nearNotification.Id);
        Assert.Equal("n***@example.org", item.GetProperty("recipient").GetString());
        await MobileIdApp.AssertProblemAsync(resendFar, 403, ErrorCodes.OutOfScope);
    }
}

public sealed class SqliteOutboxTests(SqliteNotificationsAppFixture fixture)
    : OutboxTests<SqliteNotificationsAppFixture>(fixture), IClassFixture<SqliteNotificationsAppFixture>;

public sealed class PostgresOutboxTests(PostgresNotificationsAppFixture fixture)
    : OutboxTests<PostgresNotificationsAppFixture>(fixture), IClassFixture<PostgresNotificationsAppFixture>;
