namespace MobileId.Server.Features.Notifications;

/// <summary>
/// One message template: its key, whether it is an email (HTML body) or an SMS (plain text), what it
/// is for, the built-in subject and body, and the placeholders it may use.
/// </summary>
public sealed record TemplateDefinition(
    string Key,
    NotificationChannel Channel,
    string Description,
    string Subject,
    string Body,
    IReadOnlyList<string> Placeholders)
{
    public bool IsSms => Channel == NotificationChannel.Sms;
}

/// <summary>
/// The built-in Email Templates and SMS texts (PRODUCT.md §5.3, §5.6). An operator with Email
/// Templates may change each one; a deleted change brings the default back. Codes go only into
/// bodies: subjects are stored in clear and may never hold {{code}}.
/// </summary>
public static class TemplateCatalog
{
    /// <summary>An SMS template's body may be at most this long (three SMS parts).</summary>
    public const int MaxSmsLength = 480;

    public const int MaxSubjectLength = 500;

    public const int MaxEmailLength = 100_000;

    public const string MobileProvision = "mobile-provision";
    public const string MobileProvisionLinkOnly = "mobile-provision-link-only";
    public const string MobileOtpSms = "mobile-otp-sms";
    public const string MobileProvisionSms = "mobile-provision-sms";
    public const string MobileRenewalDueEmail = "mobile-renewal-due-email";
    public const string MobileRenewalDueSms = "mobile-renewal-due-sms";
    public const string MobileRenewedEmail = "mobile-renewed-email";
    public const string MobileRenewedSms = "mobile-renewed-sms";
    public const string MobileExpiredEmail = "mobile-expired-email";
    public const string MobileExpiredSms = "mobile-expired-sms";
    public const string UnlockVerificationEmail = "unlock-verification-email";
    public const string UnlockVerificationSms = "unlock-verification-sms";

    /// <summary>The placeholders and what they hold (docs/notifications.md lists the same).</summary>
    public static readonly IReadOnlyDictionary<string, string> PlaceholderMeanings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["displayName"] = "The person's name (first and last name, or the logon name).",
        ["organization"] = "The organisation that runs MobileId (MobileId:Pki:Organization).",
        ["administratorEmail"] = "The Administrator email address setting; empty when not set.",
        ["link"] = "The provisioning link the Identity Agent opens.",
        ["code"] = "The one-time code, grouped in fours (1234 5678). Only in bodies, never in subjects.",
        ["qrUrl"] = "Address of the QR code image for this request.",
        ["profile"] = "The credential profile's name.",
        ["expiresAt"] = "When the code, link or certificate expires (UTC).",
    };

    private static readonly string[] Common = ["displayName", "organization", "administratorEmail"];

    public static readonly IReadOnlyList<TemplateDefinition> All =
    [
        Email(MobileProvision, "Provisioning link by email; the one-time code too when it is given (Mobile Provision Via Email).",
            "Your mobile ID from {{organization}} is ready to collect",
            """
            <p>Hello {{displayName}},</p>
            <p>Your mobile ID <strong>{{profile}}</strong> from {{organization}} is ready. Open this link on your phone with the Identity Agent to collect it:</p>
            <p><a href="{{link}}">{{link}}</a></p>
            {{#code}}<p>Your one-time code is <strong>{{code}}</strong>. Type it when the Identity Agent asks for it.</p>{{/code}}
            {{#qrUrl}}<p>You can also scan this <a href="{{qrUrl}}">QR code</a> with the Identity Agent.</p>{{/qrUrl}}
            <p>The link can be used until {{expiresAt}}.</p>
            {{#administratorEmail}}<p>Questions? Write to {{administratorEmail}}.</p>{{/administratorEmail}}
            """,
            "link", "code", "qrUrl", "profile", "expiresAt"),
        Email(MobileProvisionLinkOnly, "Provisioning link by email while the one-time code goes by SMS (Send Mobile OTP via SMS).",
            "Your mobile ID from {{organization}} is ready to collect",
            """
            <p>Hello {{displayName}},</p>
            <p>Your mobile ID <strong>{{profile}}</strong> from {{organization}} is ready. Open this link on your phone with the Identity Agent to collect it:</p>
            <p><a href="{{link}}">{{link}}</a></p>
            <p>Your one-time code comes in a separate text message to your mobile phone.</p>
            {{#qrUrl}}<p>You can also scan this <a href="{{qrUrl}}">QR code</a> with the Identity Agent.</p>{{/qrUrl}}
            <p>The link can be used until {{expiresAt}}.</p>
            {{#administratorEmail}}<p>Questions? Write to {{administratorEmail}}.</p>{{/administratorEmail}}
            """,
            "link", "qrUrl", "profile", "expiresAt"),
        Sms(MobileOtpSms, "The one-time code by SMS; the link went by email (Send Mobile OTP via SMS).",
            "Mobile ID code",
            "{{organization}}: your mobile ID code is {{code}}. Type it in the Identity Agent when it asks. Valid until {{expiresAt}}.",
            "code", "expiresAt"),
        Sms(MobileProvisionSms, "Provisioning link and one-time code by SMS (Mobile Provision Via SMS).",
            "Mobile ID link and code",
            "{{organization}}: collect your mobile ID with the Identity Agent: {{link}} Code: {{code}} Valid until {{expiresAt}}.",
            "link", "code", "expiresAt"),
        Email(MobileRenewalDueEmail, "A mobile ID's certificates are due for renewal.",
            "Your mobile ID will be renewed soon",
            """
            <p>Hello {{displayName}},</p>
            <p>The certificates of your mobile ID <strong>{{profile}}</strong> expire on {{expiresAt}}. They will be renewed on your phone: open the Identity Agent so that it collects the new ones.</p>
            {{#administratorEmail}}<p>Questions? Write to {{administratorEmail}}.</p>{{/administratorEmail}}
            """,
            "profile", "expiresAt"),
        Sms(MobileRenewalDueSms, "A mobile ID's certificates are due for renewal.",
            "Mobile ID renewal due",
            "{{organization}}: your mobile ID {{profile}} expires on {{expiresAt}}. Open the Identity Agent to collect its renewal.",
            "profile", "expiresAt"),
        Email(MobileRenewedEmail, "A mobile ID's certificates were renewed.",
            "Your mobile ID was renewed",
            """
            <p>Hello {{displayName}},</p>
            <p>Your mobile ID <strong>{{profile}}</strong> was renewed. Its new certificates are valid until {{expiresAt}}.</p>
            {{#administratorEmail}}<p>Questions? Write to {{administratorEmail}}.</p>{{/administratorEmail}}
            """,
            "profile", "expiresAt"),
        Sms(MobileRenewedSms, "A mobile ID's certificates were renewed.",
            "Mobile ID renewed",
            "{{organization}}: your mobile ID {{profile}} was renewed and is valid until {{expiresAt}}.",
            "profile", "expiresAt"),
        Email(MobileExpiredEmail, "A mobile ID's certificates expired without renewal.",
            "Your mobile ID has expired",
            """
            <p>Hello {{displayName}},</p>
            <p>The certificates of your mobile ID <strong>{{profile}}</strong> expired on {{expiresAt}}. Ask for a new mobile ID to go on using it.</p>
            {{#administratorEmail}}<p>Questions? Write to {{administratorEmail}}.</p>{{/administratorEmail}}
            """,
            "profile", "expiresAt"),
        Sms(MobileExpiredSms, "A mobile ID's certificates expired without renewal.",
            "Mobile ID expired",
            "{{organization}}: your mobile ID {{profile}} expired on {{expiresAt}}. Ask for a new one to go on using it.",
            "profile", "expiresAt"),
        Email(UnlockVerificationEmail, "A one-time authentication code with which the helpdesk verifies the caller before an unlock.",
            "Your verification code for the helpdesk",
            """
            <p>Hello {{displayName}},</p>
            <p>The helpdesk asks you to confirm who you are before it unlocks your mobile ID. Read this code out to them:</p>
            <p><strong>{{code}}</strong></p>
            <p>It is valid until {{expiresAt}}. If you did not call the helpdesk, tell them at once.</p>
            """,
            "code", "expiresAt"),
        Sms(UnlockVerificationSms, "A one-time authentication code with which the helpdesk verifies the caller before an unlock.",
            "Helpdesk verification code",
            "{{organization}}: your helpdesk verification code is {{code}}, valid until {{expiresAt}}. If you did not call the helpdesk, tell them at once.",
            "code", "expiresAt"),
    ];

    public static readonly IReadOnlyDictionary<string, TemplateDefinition> ByKey = All.ToDictionary(t => t.Key, StringComparer.Ordinal);

    /// <summary>
    /// What is wrong with a subject and body for a template, by field (<c>subject</c>, <c>body</c>);
    /// empty when they may be saved.
    /// </summary>
    public static Dictionary<string, string[]> Check(TemplateDefinition definition, string? subject, string? body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subjectErrors = new List<string>();
        var bodyErrors = new List<string>();
        subject ??= "";
        if (subject.Length > MaxSubjectLength)
        {
            subjectErrors.Add($"The subject must be at most {MaxSubjectLength} characters long; it has {subject.Length}.");
        }

        if (!definition.IsSms && subject.Trim().Length == 0)
        {
            subjectErrors.Add("An email needs a subject.");
        }

        if (subject.Contains('\n', StringComparison.Ordinal) || subject.Contains('\r', StringComparison.Ordinal))
        {
            subjectErrors.Add("The subject must be one line.");
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            bodyErrors.Add("The body must not be empty.");
        }
        else if (definition.IsSms && body.Length > MaxSmsLength)
        {
            bodyErrors.Add($"An SMS text must be at most {MaxSmsLength} characters long (three SMS parts); it has {body.Length}.");
        }
        else if (body.Length > MaxEmailLength)
        {
            bodyErrors.Add($"An email body must be at most {MaxEmailLength} characters long; it has {body.Length}.");
        }

        CheckPlaceholders(definition, subject, subjectErrors, "subject");
        if (subjectErrors.Count == 0 && TemplateText.Inspect(subject).Names.Contains("code"))
        {
            subjectErrors.Add("The subject may not hold {{code}}: subjects are stored and shown in clear, so the one-time code goes only into the body.");
        }

        CheckPlaceholders(definition, body ?? "", bodyErrors, "body");
        if (subjectErrors.Count > 0)
        {
            errors["subject"] = [.. subjectErrors];
        }

        if (bodyErrors.Count > 0)
        {
            errors["body"] = [.. bodyErrors];
        }

        return errors;
    }

    private static void CheckPlaceholders(TemplateDefinition definition, string text, List<string> errors, string field)
    {
        var (names, malformed) = TemplateText.Inspect(text);
        errors.AddRange(malformed);
        var unknown = names.Where(n => !definition.Placeholders.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add($"The {field} uses {(unknown.Count == 1 ? "an unknown placeholder" : "unknown placeholders")} " +
                $"{string.Join(", ", unknown.Select(n => "{{" + n + "}}"))}; {definition.Key} knows " +
                $"{string.Join(", ", definition.Placeholders.Select(n => "{{" + n + "}}"))}.");
        }
    }

    private static TemplateDefinition Email(string key, string description, string subject, string body, params string[] placeholders) =>
        new(key, NotificationChannel.Email, description, subject, body.Trim(), [.. Common, .. placeholders]);

    private static TemplateDefinition Sms(string key, string description, string subject, string body, params string[] placeholders) =>
        new(key, NotificationChannel.Sms, description, subject, body, [.. Common, .. placeholders]);
}
