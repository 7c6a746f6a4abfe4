namespace MobileId.Server.Features.Access;

/// <summary>
/// The workflows that roles grant (PRODUCT.md §2). The display names are user-visible and
/// used as written in the console, the API and the audit log.
/// </summary>
public enum Workflow
{
    RequestId,
    RequestMyId,
    ValidateRequest,
    CancelCredential,
    EnableDisableId,
    RequestReplacementId,
    UnlockCredential,
    CollectMyUpdates,
    IssueDevice,
    FindPerson,
    AddPerson,
    EditPerson,
    EditRoles,
    CredentialProfiles,
    CertificateAuthorities,
    OperationSettings,
    EmailTemplates,
    CardLayouts,
    UploadPfxCertificates,
    Devices,
    Audit,
}

/// <summary>How far a role's workflows reach over other people (PRODUCT.md §2).</summary>
public enum Scope
{
    /// <summary>Only the caller's own person record.</summary>
    Self = 0,

    /// <summary>People in the caller's own group.</summary>
    Department = 1,

    /// <summary>People in the caller's group and every group below it.</summary>
    DepartmentAndBelow = 2,

    /// <summary>Everyone.</summary>
    All = 3,
}

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
