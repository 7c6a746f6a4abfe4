namespace MobileId.Server.Data;

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
