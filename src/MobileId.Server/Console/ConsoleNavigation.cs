using MobileId.Server.Features.Access;

namespace MobileId.Server.Console;

/// <summary>A link of the console's navigation and the workflow it needs.</summary>
public sealed record ConsoleLink(string Text, string Href, Workflow? Workflow);

/// <summary>A group of links under a heading.</summary>
public sealed record ConsoleSection(string Title, IReadOnlyList<ConsoleLink> Links);

/// <summary>The console's navigation: only the workflows the signed-in person's roles grant.</summary>
public static class ConsoleNavigation
{
    /// <summary>Every link of the console, whoever is signed in.</summary>
    public static readonly IReadOnlyList<ConsoleSection> All =
    [
        new("Operators",
        [
            new("Find Person", "/console/people", Workflow.FindPerson),
            new("Add Person", "/console/people/new", Workflow.AddPerson),
            new("Validate Request", "/console/validate", Workflow.ValidateRequest),
        ]),
        new("Administration",
        [
            new("Credential Profiles", "/console/profiles", Workflow.CredentialProfiles),
            new("Certificate Authorities", "/console/authorities", Workflow.CertificateAuthorities),
            new("Operation Settings", "/console/settings", Workflow.OperationSettings),
            new("Email Templates", "/console/templates", Workflow.EmailTemplates),
            new("Card Layouts", "/console/layouts", Workflow.CardLayouts),
            new("Devices", "/console/devices", Workflow.Devices),
            new("Edit Roles", "/console/roles", Workflow.EditRoles),
            new("API clients", "/console/api-clients", Workflow.EditRoles),
            new("Webhooks", "/console/webhooks", Workflow.OperationSettings),
            new("Audit", "/console/audit", Workflow.Audit),
        ]),
        new("My account", [new("My mobile IDs", "/console/me", null), new("Change password", "/console/change-password", null)]),
    ];

    /// <summary>Other address prefixes a link stands for (the certificate policies belong to Certificate Authorities).</summary>
    private static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/console/policies"] = "/console/authorities",
    };

    /// <summary>
    /// The link the page at <paramref name="path"/> belongs to: the longest link address that is the
    /// path or a parent of it, so that Add Person (<c>/console/people/new</c>) is not also Find Person.
    /// </summary>
    public static string? Current(string path)
    {
        bool Under(string href) => path == href || path.StartsWith(href + "/", StringComparison.Ordinal);
        var alias = Aliases.FirstOrDefault(a => Under(a.Key)).Value;
        return alias ?? All.SelectMany(s => s.Links).Select(l => l.Href).Where(Under).OrderByDescending(h => h.Length).FirstOrDefault();
    }

    public static IReadOnlyList<ConsoleSection> For(Caller caller) =>
        All.Select(s => new ConsoleSection(s.Title, s.Links.Where(l => l.Workflow is not { } w || caller.Has(w)).ToList()))
            .Where(s => s.Links.Count > 0)
            .ToList();
}
