using System.Security.Claims;
using System.Reflection;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

public enum CallerKind
{
    Person,
    ApiClient,
    System,
}

/// <summary>A workflow a caller holds, and how far it reaches.</summary>
public sealed record Grant(Workflow Workflow, Scope Scope);

/// <summary>
/// Who is calling, resolved once per request from the session cookie or the bearer secret,
/// with the workflows their roles grant.
/// </summary>
public sealed class Caller : IAuditActor
{
    public const string KindClaim = "mobileid:kind";
    public const string IdClaim = "mobileid:id";
    public const string StampClaim = "mobileid:stamp";

    public required CallerKind Kind { get; init; }
    public required Guid Id { get; init; }
    public required string Name { get; init; }

    /// <summary>The person this caller is or acts for: the target of Self scope and the source of Department scope.</summary>
    public Guid? PersonId { get; init; }
    public Guid? GroupId { get; init; }
    public required IReadOnlyList<Grant> Grants { get; init; }
    public bool MustChangePassword { get; init; }

    public string ActorKind => Kind switch
    {
        CallerKind.Person => "person",
        CallerKind.ApiClient => "api-client",
        CallerKind.System => "system",
    };

    string? IAuditActor.ActorId => Kind == CallerKind.System ? null : Id.ToString("D");

    string IAuditActor.ActorName => Name;

    public bool Has(Workflow workflow) => Grants.Any(g => g.Workflow == workflow);

    public bool HasWithScope(Workflow workflow, Scope scope) => Grants.Any(g => g.Workflow == workflow && g.Scope >= scope);

    /// <summary>The local operator at the server's command line: every workflow, everyone.</summary>
    public static Caller System(string name) => new()
    {
        Kind = CallerKind.System,
        Id = Guid.Empty,
        Name = name,
        Grants = Enum.GetValues<Workflow>().Select(w => new Grant(w, Scope.All)).ToList(),
    };

    /// <summary>Lets minimal API handlers take a <see cref="Caller"/> parameter; <see cref="AccessMiddleware"/> resolved it.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(context.Items[typeof(Caller)] as Caller);

    internal static ClaimsPrincipal PersonPrincipal(Person person, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(KindClaim, "person"),
                new Claim(IdClaim, person.Id.ToString("D")),
                new Claim(StampClaim, person.SecurityStamp),
                new Claim(ClaimTypes.Name, person.LogonName),
            ],
            scheme));
}
