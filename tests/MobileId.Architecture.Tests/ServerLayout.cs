namespace MobileId.Architecture.Tests;

/// <summary>
/// How the server's namespaces map onto its folders, and which folders are workflows.
/// A workflow folder holds the handlers of one use case (or one enrolment protocol); it may use
/// the kernel folders (Issuance, Audit, Access, Data …) but never another workflow folder.
/// </summary>
internal static class ServerLayout
{
    public const string Server = "MobileId.Server";
    public const string Features = Server + ".Features";

    /// <summary>Feature folders whose sub-folders are each a workflow (Features/MobileIds/Disable …).</summary>
    public static readonly string[] WorkflowParents = ["MobileIds"];

    /// <summary>Feature folders that are each one workflow or enrolment protocol.</summary>
    public static readonly string[] WorkflowFolders = ["Scep", "Est", "Ota", "Device", "Renewal"];

    /// <summary>The folder a namespace belongs to: "Features.Audit", "Data", "Console" …; null outside the server.</summary>
    public static string? Folder(string ns)
    {
        if (ns == Server) return "(root)";
        if (!ns.StartsWith(Server + ".", StringComparison.Ordinal)) return null;
        var parts = ns.Split('.');
        return parts[2] == "Features" && parts.Length > 3 ? "Features." + parts[3] : parts[2];
    }

    /// <summary>The workflow a namespace belongs to ("Features.MobileIds.Disable", "Features.Scep"), or null for kernel code.</summary>
    public static string? Workflow(string ns)
    {
        if (!ns.StartsWith(Features + ".", StringComparison.Ordinal)) return null;
        var parts = ns.Split('.');
        if (WorkflowFolders.Contains(parts[3])) return "Features." + parts[3];
        if (WorkflowParents.Contains(parts[3]) && parts.Length > 4) return $"Features.{parts[3]}.{parts[4]}";
        return null;
    }
}
