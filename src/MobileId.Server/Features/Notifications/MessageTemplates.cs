using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Notifications;

/// <summary>A template as the API shows it: the text in force, whether an operator changed it, and what it may use.</summary>
public sealed record TemplateView(
    string Key,
    NotificationChannel Channel,
    string Description,
    string Subject,
    string Body,
    bool Customised,
    DateTime? UpdatedAt,
    string? UpdatedBy,
    IReadOnlyList<PlaceholderView> Placeholders,
    int MaxBodyLength);

public sealed record PlaceholderView(string Name, string Meaning);

/// <summary>A subject and body to save or preview.</summary>
public sealed record TemplateInput(string? Subject, string? Body);

/// <summary>A filled-in message: the subject (never holding a code), the body and whether it is HTML.</summary>
public sealed record RenderedMessage(string Subject, string Body, bool IsHtml);

/// <summary>
/// The Email Templates workflow (PRODUCT.md §2): the templates in force (an operator's change, or
/// the built-in default), changes validated and audited with before and after, and rendering.
/// </summary>
public sealed class MessageTemplates(MobileIdDbContext db, SettingsService settings, AuditTrail audit, IOptions<PkiOptions> pki, TimeProvider time)
{
    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = await db.MessageTemplates.AsNoTracking().ToDictionaryAsync(t => t.Key, StringComparer.Ordinal, cancellationToken);
        return TemplateCatalog.All.Select(d => View(d, stored.GetValueOrDefault(d.Key))).ToList();
    }

    public async Task<Result<TemplateView>> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (Definition(key) is not { } definition)
        {
            return UnknownKey(key);
        }

        return View(definition, await db.MessageTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Key == key, cancellationToken));
    }

    public async Task<Result<TemplateView>> SaveAsync(Caller caller, string key, TemplateInput input, CancellationToken cancellationToken)
    {
        if (Definition(key) is not { } definition)
        {
            return UnknownKey(key);
        }

        var subject = input.Subject?.Trim() ?? "";
        var body = input.Body?.Trim() ?? "";
        if (TemplateCatalog.Check(definition, subject, body) is { Count: > 0 } errors)
        {
            return AppError.Validation(errors);
        }

        var row = await db.MessageTemplates.SingleOrDefaultAsync(t => t.Key == key, cancellationToken);
        var before = new { subject = row?.Subject ?? definition.Subject, body = row?.Body ?? definition.Body, customised = row is not null };
        if (row is null)
        {
            row = new MessageTemplate { Key = key, Subject = subject, Body = body };
            db.MessageTemplates.Add(row);
        }

        row.Subject = subject;
        row.Body = body;
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        row.UpdatedBy = caller.Name;
        audit.Record(caller, "template.changed", Workflow.EmailTemplates, Target(key), AuditOutcome.Success,
            new { before, after = new { subject, body } });
        // Commit: the template's text and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return View(definition, row);
    }

    /// <summary>Drops an operator's change: the built-in default is in force again.</summary>
    public async Task<Result<TemplateView>> ResetAsync(Caller caller, string key, CancellationToken cancellationToken)
    {
        if (Definition(key) is not { } definition)
        {
            return UnknownKey(key);
        }

        var row = await db.MessageTemplates.SingleOrDefaultAsync(t => t.Key == key, cancellationToken);
        if (row is not null)
        {
            db.MessageTemplates.Remove(row);
            audit.Record(caller, "template.reset", Workflow.EmailTemplates, Target(key), AuditOutcome.Success,
                new { before = new { subject = row.Subject, body = row.Body }, after = new { subject = definition.Subject, body = definition.Body } });
            // Commit: the template row's removal and its audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
        }

        return View(definition, null);
    }

    /// <summary>Renders a template with sample values: the one in force, or a draft that is checked as a save would be.</summary>
    public async Task<Result<RenderedMessage>> PreviewAsync(string key, TemplateInput? draft, CancellationToken cancellationToken)
    {
        if (Definition(key) is not { } definition)
        {
            return UnknownKey(key);
        }

        var (subject, body) = (draft?.Subject?.Trim(), draft?.Body?.Trim());
        if (draft is not null && (subject is not null || body is not null))
        {
            var current = await ResolveAsync(definition, cancellationToken);
            subject ??= current.Subject;
            body ??= current.Body;
            if (TemplateCatalog.Check(definition, subject, body) is { Count: > 0 } errors)
            {
                return AppError.Validation(errors);
            }
        }
        else
        {
            (subject, body) = await ResolveAsync(definition, cancellationToken);
        }

        var values = await StandardValuesAsync(cancellationToken);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress.TrimEnd('/');
        values["displayName"] = "Jane Doe";
        values["link"] = external + "/device/v1/enrol/sample-link-token";
        values["code"] = "12345678";
        values["qrUrl"] = external + "/qr/sample-link-token.png";
        values["profile"] = "Staff mobile ID";
        values["expiresAt"] = FormatTime(time.GetUtcNow().UtcDateTime.AddDays(7));
        return await RenderAsync(definition, subject, body, values, cancellationToken);
    }

    /// <summary>Fills in the template in force for a key with the values given (and the standard ones where missing).</summary>
    public async Task<RenderedMessage> RenderAsync(TemplateDefinition definition, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var (subject, body) = await ResolveAsync(definition, cancellationToken);
        var all = await StandardValuesAsync(cancellationToken);
        foreach (var (name, value) in values)
        {
            all[name] = value;
        }

        return await RenderAsync(definition, subject, body, all, cancellationToken);
    }

    /// <summary>A time as messages show it: <c>2026-05-01 14:00 UTC</c>.</summary>
    public static string FormatTime(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>What a list's <c>q</c> looks in: the key, the channel and the description.</summary>
    public static IEnumerable<string?> SearchText(TemplateView template) => [template.Key, template.Channel.ToString(), template.Description];

    public static TemplateDefinition? Definition(string key) => TemplateCatalog.ByKey.GetValueOrDefault(key);

    private async Task<RenderedMessage> RenderAsync(TemplateDefinition definition, string subject, string body, Dictionary<string, string> values,
        CancellationToken cancellationToken)
    {
        if (values.TryGetValue("code", out var code))
        {
            values["code"] = TemplateText.GroupCode(code);
        }

        // Note: a subject is one line whatever a value holds (a header cannot be split by a name with a line break).
        var renderedSubject = string.Join(' ', TemplateText.Render(subject, values, html: false).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (definition.IsSms)
        {
            return new RenderedMessage(renderedSubject, TemplateText.Render(body, values, html: false).Trim(), false);
        }

        var html = TemplateText.Render(body, values, html: true);
        if ((await settings.GetAsync(cancellationToken)).MailFormat != "HTML")
        {
            return new RenderedMessage(renderedSubject, HtmlText.ToPlainText(html), false);
        }

        var document = $"""
            <!doctype html>
            <html><head><meta charset="utf-8"><title>{TemplateText.HtmlEncode(renderedSubject)}</title></head>
            <body style="font-family: system-ui, sans-serif; line-height: 1.5">
            {html}
            </body></html>
            """;
        return new RenderedMessage(renderedSubject, document, true);
    }

    private async Task<(string Subject, string Body)> ResolveAsync(TemplateDefinition definition, CancellationToken cancellationToken)
    {
        var row = await db.MessageTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Key == definition.Key, cancellationToken);
        // Note: a stored template that no longer passes the checks (a placeholder dropped in an
        // upgrade) falls back to the default rather than sending a broken message.
        return row is not null && TemplateCatalog.Check(definition, row.Subject, row.Body).Count == 0
            ? (row.Subject, row.Body)
            : (definition.Subject, definition.Body);
    }

    private async Task<Dictionary<string, string>> StandardValuesAsync(CancellationToken cancellationToken) =>
        new(StringComparer.Ordinal)
        {
            ["organization"] = pki.Value.Organization,
            ["administratorEmail"] = (await settings.GetAsync(cancellationToken)).AdministratorEmailAddress,
        };

    private static TemplateView View(TemplateDefinition d, MessageTemplate? row) => new(
        d.Key, d.Channel, d.Description, row?.Subject ?? d.Subject, row?.Body ?? d.Body, row is not null, row?.UpdatedAt, row?.UpdatedBy,
        d.Placeholders.Select(p => new PlaceholderView(p, TemplateCatalog.PlaceholderMeanings[p])).ToList(),
        d.IsSms ? TemplateCatalog.MaxSmsLength : TemplateCatalog.MaxEmailLength);

    private static AppError UnknownKey(string key) => new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found",
        $"'{key}' is not a message template. Known templates: {string.Join(", ", TemplateCatalog.All.Select(t => t.Key))}.");

    private static AuditTarget Target(string key) => new("template", key, key);
}
