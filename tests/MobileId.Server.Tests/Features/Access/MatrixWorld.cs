using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Features.Access;

/// <summary>A person the matrix acts on, with the built-in roles the person holds.</summary>
public sealed record MatrixPerson(string Name, Guid Id, string Logon, Guid GroupId, IReadOnlyList<Role> Roles)
{
    public override string ToString() => Name;
}

/// <summary>
/// The matrix's people and groups: MxRoot → DeptA → SubA1, and MxRoot → DeptB. The caller person
/// (Self) is in DeptA; personA in DeptA, personA1 in SubA1, personB in DeptB. Scope is modelled here
/// from PRODUCT.md §2, independently of the server's <see cref="AccessPolicy"/>.
/// </summary>
public sealed class MatrixWorld
{
    /// <summary>Every target's logon starts with this, and nothing else's does: a search for it finds exactly the targets.</summary>
    public const string TargetLogonPrefix = "mxt.";

    public required Guid Root { get; init; }
    public required Guid DeptA { get; init; }
    public required Guid SubA1 { get; init; }
    public required Guid DeptB { get; init; }
    public required IReadOnlyDictionary<Guid, string> GroupPaths { get; init; }
    public required MatrixPerson Self { get; init; }
    public required MatrixPerson A { get; init; }
    public required MatrixPerson A1 { get; init; }
    public required MatrixPerson B { get; init; }

    /// <summary>A person outside the targets whom the sign-in sample request signs in as.</summary>
    public required string SignInLogon { get; init; }
    public required string SignInPassword { get; init; }

    public IReadOnlyList<MatrixPerson> Targets => [Self, A, A1, B];

    public IReadOnlyList<Guid> Groups => [Root, DeptA, SubA1, DeptB];

    public MatrixPerson Inside(Scope scope) => scope switch
    {
        Scope.Self => Self,
        Scope.Department => A,
        Scope.DepartmentAndBelow => A1,
        Scope.All => B,
    };

    public MatrixPerson? Outside(Scope scope) => scope switch
    {
        Scope.Self => A,
        Scope.Department => A1,
        Scope.DepartmentAndBelow => B,
        Scope.All => null,
    };

    /// <summary>Every scope covers the caller's own record; the others add groups.</summary>
    public bool Covers(Scope scope, MatrixPerson person) => person == Self || CoversGroup(scope, person.GroupId);

    public bool CoversGroup(Scope scope, Guid group) => scope switch
    {
        Scope.Self => false,
        Scope.Department => group == DeptA,
        Scope.DepartmentAndBelow => group == DeptA || group == SubA1,
        Scope.All => true,
    };

    /// <summary>The group list shows the groups in scope and, whatever the scope, the caller's own group.</summary>
    public bool ListsGroup(Scope scope, Guid group) => group == DeptA || CoversGroup(scope, group);

    public static async Task<MatrixWorld> CreateAsync(MobileIdApp app)
    {
        var root = await app.CreateGroupAsync("MxRoot");
        var deptA = await app.CreateGroupAsync("DeptA", root);
        var subA1 = await app.CreateGroupAsync("SubA1", deptA);
        var deptB = await app.CreateGroupAsync("DeptB", root);

        async Task<MatrixPerson> PersonAsync(string name, string logon, Guid? group, params string[] roles)
        {
            var view = await app.CreatePersonAsync(logon, group, null, roles);
            return new MatrixPerson(name, view.Id, logon, group ?? Guid.Empty,
                roles.Select(r => InitService.BuiltInRoles.Single(b => b.Name == r)).ToList());
        }

        // Note: personA1 and personB hold roles with scope All, so resetting their password takes those rights.
        var self = await PersonAsync("self", TargetLogonPrefix + "self", deptA, "Cardholder");
        var a = await PersonAsync("personA", TargetLogonPrefix + "a", deptA, "Cardholder");
        var a1 = await PersonAsync("personA1", TargetLogonPrefix + "a1", subA1, "Cardholder", "Helpdesk");
        var b = await PersonAsync("personB", TargetLogonPrefix + "b", deptB, "Cardholder", "Security Officer");
        var signIn = await PersonAsync("sign-in", "mxs.signin", null, "Cardholder");
        var password = "Matrix-" + Guid.NewGuid().ToString("N");
        await app.SetPasswordAsync(signIn.Id, password);

        return new MatrixWorld
        {
            Root = root, DeptA = deptA, SubA1 = subA1, DeptB = deptB,
            GroupPaths = new Dictionary<Guid, string>
            {
                [root] = "MxRoot", [deptA] = "MxRoot/DeptA", [subA1] = "MxRoot/DeptA/SubA1", [deptB] = "MxRoot/DeptB",
            },
            Self = self, A = a, A1 = a1, B = b,
            SignInLogon = signIn.Logon, SignInPassword = password,
        };
    }
}
