namespace MobileId.Server.Data;

/// <summary>The user-visible names of <see cref="Workflow"/> and <see cref="Scope"/>, and their parsing.</summary>
public static class WorkflowNames
{
    private static readonly Dictionary<Workflow, string> Names = new()
    {
        [Workflow.RequestId] = "Request ID",
        [Workflow.RequestMyId] = "Request My ID",
        [Workflow.ValidateRequest] = "Validate Request",
        [Workflow.CancelCredential] = "Cancel Credential",
        [Workflow.EnableDisableId] = "Enable / Disable ID",
        [Workflow.RequestReplacementId] = "Request Replacement ID",
        [Workflow.UnlockCredential] = "Unlock Credential",
        [Workflow.CollectMyUpdates] = "Collect My Updates",
        [Workflow.IssueDevice] = "Issue Device",
        [Workflow.FindPerson] = "Find Person",
        [Workflow.AddPerson] = "Add Person",
        [Workflow.EditPerson] = "Edit Person",
        [Workflow.EditRoles] = "Edit Roles",
        [Workflow.CredentialProfiles] = "Credential Profiles",
        [Workflow.CertificateAuthorities] = "Certificate Authorities",
        [Workflow.OperationSettings] = "Operation Settings",
        [Workflow.EmailTemplates] = "Email Templates",
        [Workflow.CardLayouts] = "Card Layouts",
        [Workflow.UploadPfxCertificates] = "Upload PFX Certificates",
        [Workflow.Devices] = "Devices",
        [Workflow.Audit] = "Audit",
    };

    public static string DisplayName(this Workflow workflow) => Names[workflow];

    public static string DisplayName(this Scope scope) => scope switch
    {
        Scope.Self => "Self",
        Scope.Department => "Department",
        Scope.DepartmentAndBelow => "Department and below",
        Scope.All => "All",
    };

    /// <summary>Parses an enum name (<c>FindPerson</c>) or a display name (<c>Find Person</c>).</summary>
    public static bool TryParse(string text, out Workflow workflow)
    {
        if (Enum.TryParse(text, ignoreCase: true, out workflow) && Enum.IsDefined(workflow))
        {
            return true;
        }

        foreach (var (key, name) in Names)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                workflow = key;
                return true;
            }
        }

        return false;
    }

    public static bool TryParseScope(string text, out Scope scope)
    {
        var compact = text.Replace(" ", "", StringComparison.Ordinal).Trim();
        return Enum.TryParse(compact, ignoreCase: true, out scope) && Enum.IsDefined(scope);
    }
}
