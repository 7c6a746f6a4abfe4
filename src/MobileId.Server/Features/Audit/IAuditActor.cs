namespace MobileId.Server.Features.Audit;

/// <summary>Who an audit record says acted: a person, an API client, the system, or nobody signed in.</summary>
public interface IAuditActor
{
    /// <summary>"person", "api-client", "system" …, as the record's actor kind.</summary>
    string ActorKind { get; }

    /// <summary>The actor's identifier, or null for the system.</summary>
    string? ActorId { get; }

    /// <summary>The name the record shows.</summary>
    string ActorName { get; }
}
