using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Setup;

public sealed record InitResult(string? AdministratorLogon, string? AdministratorPassword);

/// <summary>
/// <c>init</c> (PRODUCT.md §13): creates or upgrades the database, the built-in roles, the first
/// administrator with a random one-time password, and runs the other parts' steps (the CA). Idempotent;
/// also runs at every start.
/// </summary>
public sealed class InitService(
    MobileIdDbContext db, PasswordHasher hasher, AuditTrail audit, TimeProvider time, IEnumerable<IInitializationStep> steps, IServiceProvider services)
{
    public const string AdministratorLogon = "admin";

    public static readonly IReadOnlyList<Role> BuiltInRoles =
    [
        Seed("Administrator", "Runs MobileId: people, roles, profiles, CAs, settings, audit.", Scope.All,
            Workflow.FindPerson, Workflow.AddPerson, Workflow.EditPerson, Workflow.ValidateRequest, Workflow.CancelCredential,
            Workflow.EnableDisableId, Workflow.RequestReplacementId, Workflow.UnlockCredential, Workflow.EditRoles,
            Workflow.CredentialProfiles, Workflow.CertificateAuthorities, Workflow.OperationSettings, Workflow.EmailTemplates,
            Workflow.CardLayouts, Workflow.UploadPfxCertificates, Workflow.Devices, Workflow.Audit),
        Seed("Helpdesk", "Helps people with their mobile IDs: cancel, disable, replace, unlock.", Scope.All,
            Workflow.FindPerson, Workflow.AddPerson, Workflow.EditPerson, Workflow.CancelCredential, Workflow.EnableDisableId,
            Workflow.RequestReplacementId, Workflow.UnlockCredential, Workflow.Devices),
        Seed("Security Officer", "Validates requests and reviews the audit log.", Scope.All,
            Workflow.FindPerson, Workflow.ValidateRequest, Workflow.CancelCredential, Workflow.EnableDisableId, Workflow.Audit),
        Seed("Cardholder", "Holds mobile IDs and sees their own record.", Scope.Self,
            Workflow.FindPerson, Workflow.IssueDevice),
        Seed("Server Credentials", "Devices and services that collect their own updates.", Scope.Self,
            Workflow.CollectMyUpdates),
    ];

    public async Task<InitResult> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await DatabaseSetup.MigrateAsync(db, cancellationToken);
        var system = Caller.System("init");

        foreach (var seed in BuiltInRoles)
        {
            if (!await db.Roles.AnyAsync(r => r.Name == seed.Name, cancellationToken))
            {
                db.Roles.Add(new Role
                {
                    Id = Guid.CreateVersion7(), Name = seed.Name, Description = seed.Description, Scope = seed.Scope, BuiltIn = true,
                    Workflows = seed.Workflows.ToHashSet(), AllowPasswordLogon = true,
                });
                audit.Record(system, "role.seeded", Workflow.EditRoles, new AuditTarget("role", null, seed.Name), AuditOutcome.Success);
            }
        }

        if (db.HasPendingAudit)
        {
            // Commit: the seeded roles and their audit records first: the administrator below is given the Administrator role read back from the database.
            await db.SaveChangesAsync(cancellationToken);
        }

        string? password = null;
        var administrator = await db.Roles.SingleAsync(r => r.Name == "Administrator", cancellationToken);
        var anyAdministrator = await db.PersonRoles.AnyAsync(r => r.RoleId == administrator.Id, cancellationToken);
        var adminLogonTaken = await db.People.AnyAsync(p => p.NormalizedLogonName == AdministratorLogon.ToUpperInvariant(), cancellationToken);
        if (!anyAdministrator && !adminLogonTaken)
        {
            password = PasswordHasher.Generate();
            var now = time.GetUtcNow().UtcDateTime;
            var cardholder = await db.Roles.SingleAsync(r => r.Name == "Cardholder", cancellationToken);
            var person = new Person
            {
                Id = Guid.CreateVersion7(), LogonName = AdministratorLogon, NormalizedLogonName = AdministratorLogon.ToUpperInvariant(),
                LastName = "Administrator", SearchText = "admin administrator", Status = PersonStatus.Active,
                PasswordHash = hasher.Hash(password), MustChangePassword = true, CreatedAt = now, UpdatedAt = now,
                Roles = [new PersonRole { RoleId = administrator.Id }, new PersonRole { RoleId = cardholder.Id }],
            };
            db.People.Add(person);
            audit.Record(system, "administrator.created", Workflow.EditRoles, AuditTarget.For(person), AuditOutcome.Success,
                new { mustChangePassword = true });
            try
            {
                // Commit: the administrator, their two role rows and the audit record together; a node that loses the race to create it keeps the roles it committed above.
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                if (!await db.People.AsNoTracking().AnyAsync(p => p.NormalizedLogonName == person.NormalizedLogonName, cancellationToken))
                {
                    throw;
                }

                // Note: another node initialised the same database at the same moment and won.
                password = null;
            }
        }

        var context = new InitContext(services, output);
        foreach (var step in steps)
        {
            await step.RunAsync(context, cancellationToken);
        }

        return new InitResult(password is null ? null : AdministratorLogon, password);
    }

    /// <summary>The first-run text: how to sign in, with the generated password shown this once.</summary>
    public static void PrintSignIn(TextWriter output, InitResult result, string baseAddress)
    {
        if (result.AdministratorPassword is null)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("MobileId: first administrator created. This password is shown once and is not stored anywhere readable:");
        output.WriteLine($"  logon:    {result.AdministratorLogon}");
        output.WriteLine($"  password: {result.AdministratorPassword}");
        output.WriteLine($"You must change it at first sign-in, in the console: {baseAddress}/console");
        output.WriteLine("or over the API:");
        output.WriteLine($"  curl -c cookies -H 'Content-Type: application/json' -d '{{\"logonName\":\"admin\",\"password\":\"…\"}}' {baseAddress}/api/v1/auth/sign-in");
        output.WriteLine($"  curl -b cookies -H 'Content-Type: application/json' -d '{{\"currentPassword\":\"…\",\"newPassword\":\"…\"}}' {baseAddress}/api/v1/auth/change-password");
        output.WriteLine($"API documentation: {baseAddress}/api/docs");
        output.WriteLine();
    }

    private static Role Seed(string name, string description, Scope scope, params Workflow[] workflows) =>
        new() { Name = name, Description = description, Scope = scope, BuiltIn = true, Workflows = workflows.ToHashSet() };
}

/// <summary>
/// Runs <see cref="InitService"/> before the server takes requests: <c>StartingAsync</c> runs before
/// any hosted service starts, Kestrel included.
/// </summary>
internal sealed class StartupInitializer(IServiceScopeFactory scopes, IConfiguration configuration) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var init = scope.ServiceProvider.GetRequiredService<InitService>();
        var result = await init.RunAsync(System.Console.Out, cancellationToken);
        InitService.PrintSignIn(System.Console.Out, result, ServerAddresses.Primary(configuration));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
