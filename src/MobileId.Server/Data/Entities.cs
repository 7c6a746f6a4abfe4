namespace MobileId.Server.Data;

/// <summary>A group (department) in the organisation tree; scopes follow it.</summary>
public sealed class Group
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public Guid? ParentId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum PersonStatus
{
    Active,
    Disabled,
}

/// <summary>A person known to MobileId (PRODUCT.md §2).</summary>
public sealed class Person
{
    public Guid Id { get; set; }
    public required string LogonName { get; set; }

    /// <summary>Upper-invariant logon name: the unique key, so that logons are case-insensitive.</summary>
    public required string NormalizedLogonName { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? Mobile { get; set; }
    public Guid? GroupId { get; set; }
    public string? EmployeeId { get; set; }
    public string? JobTitle { get; set; }
    public string? Organization { get; set; }
    public PersonStatus Status { get; set; }

    /// <summary>Lower-case text the search matches against (names, logon, email, employee id).</summary>
    public string SearchText { get; set; } = "";
    public string? PasswordHash { get; set; }
    public bool MustChangePassword { get; set; }
    public int FailedSignIns { get; set; }
    public DateTime? LockedUntil { get; set; }

    /// <summary>Changes whenever credentials or roles change; sessions carrying an older stamp end.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency token, increased on every update.</summary>
    public int Version { get; set; }

    public List<PersonRole> Roles { get; set; } = [];
}

public sealed class PersonPhoto
{
    public Guid PersonId { get; set; }
    public required string ContentType { get; set; }
    public required byte[] Data { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class Role
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public Scope Scope { get; set; }
    public bool BuiltIn { get; set; }
    public HashSet<Workflow> Workflows { get; set; } = [];

    /// <summary>Logon mechanism: password sign-in (PRODUCT.md §2).</summary>
    public bool AllowPasswordLogon { get; set; } = true;

    /// <summary>Logon mechanism: TLS client certificate (smart card or derived credential).</summary>
    public bool AllowCertificateLogon { get; set; }
}

public sealed class PersonRole
{
    public Guid PersonId { get; set; }
    public Guid RoleId { get; set; }
    public Role? Role { get; set; }
}

/// <summary>A program that calls the REST API with a bearer secret (PRODUCT.md §7).</summary>
public sealed class ApiClient
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public Guid RoleId { get; set; }
    public Role? Role { get; set; }

    /// <summary>The client's own scope; it replaces the role's scope.</summary>
    public Scope Scope { get; set; }

    /// <summary>The person the client acts for: its Self and its department.</summary>
    public Guid? PersonId { get; set; }

    /// <summary>SHA-256 of the secret. Secrets are 256-bit random values, so a fast hash is enough.</summary>
    public required byte[] SecretHash { get; set; }
    public bool Disabled { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>A stored Operation Setting that differs from, or was explicitly set to, its default.</summary>
public sealed class SettingValue
{
    public required string Key { get; set; }

    /// <summary>The value as JSON text (<c>true</c>, <c>5</c>, <c>"04-08N"</c>).</summary>
    public required string Json { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}

public enum AuditOutcome
{
    Success,
    Denied,
    Failed,
}

/// <summary>One link of the hash-chained audit log (PRODUCT.md §12).</summary>
public sealed class AuditRecord
{
    public long Sequence { get; set; }
    public DateTime OccurredAt { get; set; }
    public required string ActorKind { get; set; }
    public string? ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public string? Workflow { get; set; }
    public string? TargetKind { get; set; }
    public string? TargetId { get; set; }
    public string? TargetName { get; set; }
    public Guid? TargetPersonId { get; set; }
    public Guid? TargetGroupId { get; set; }
    public string? SourceAddress { get; set; }
    public AuditOutcome Outcome { get; set; }
    public string? Details { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}

/// <summary>The single row that holds the end of the audit chain; updating it serialises writers.</summary>
public sealed class AuditHead
{
    /// <summary>The "previous hash" of the first record: the head of an empty chain.</summary>
    public static readonly string Genesis = new('0', 64);

    public int Id { get; set; }
    public long LastSequence { get; set; }
    public required string LastHash { get; set; }
    public long Writes { get; set; }
}
