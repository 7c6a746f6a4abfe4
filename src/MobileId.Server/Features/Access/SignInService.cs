using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

public sealed record SignInRequest(string? LogonName, string? Password);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record TemporaryPassword(string LogonName, string Password, bool MustChangePassword);

/// <summary>Password sign-in with lockout, password changes, and temporary passwords set by an operator.</summary>
public sealed class SignInService(
    MobileIdDbContext db, PasswordHasher hasher, AuditTrail audit, TimeProvider time, IOptions<SecurityOptions> options)
{
    private static readonly AppError Rejected = new(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "Sign-in failed",
        "The logon name or password is incorrect, or the account cannot sign in with a password now.");

    public async Task<Result<Person>> SignInAsync(SignInRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.LogonName) || string.IsNullOrEmpty(request.Password))
        {
            return AppError.Validation("logonName", "Logon name and password are required.");
        }

        var normalized = request.LogonName.Trim().ToUpperInvariant();
        var person = await db.People.Include(p => p.Roles).ThenInclude(r => r.Role)
            .SingleOrDefaultAsync(p => p.NormalizedLogonName == normalized, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var valid = hasher.Verify(person?.PasswordHash, request.Password);
        string? reason = null;
        if (person is null)
        {
            reason = "unknown logon name";
        }
        else if (person.LockedUntil > now)
        {
            reason = "account locked after repeated failures";
        }
        else if (!valid)
        {
            reason = "wrong password";
            person.FailedSignIns++;
            if (person.FailedSignIns >= options.Value.MaxFailedSignIns)
            {
                person.LockedUntil = now.AddMinutes(options.Value.LockoutMinutes);
                person.FailedSignIns = 0;
                reason = $"wrong password; account locked for {options.Value.LockoutMinutes} minutes";
            }
        }
        else if (person.Status != PersonStatus.Active)
        {
            reason = "account disabled";
        }
        else if (!person.Roles.Any(r => r.Role?.AllowPasswordLogon == true))
        {
            reason = "no role of the person allows password logon";
        }

        if (reason is not null)
        {
            var target = person is null ? new AuditTarget("logon", null, Shorten(request.LogonName.Trim())) : AuditTarget.For(person);
            audit.Record(null, "signin.failed", null, target, AuditOutcome.Denied, new { reason });
            // Commit: the wrong-password count (or lockout) and the denied audit record together, on their own, so they count even though the sign-in is refused.
            await db.SaveChangesAsync(cancellationToken);
            return Rejected;
        }

        person!.FailedSignIns = 0;
        person.LockedUntil = null;
        RecordSignIn(audit, person, new { method = "password" });
        // Commit: the cleared failure count and lockout with the sign-in's audit record, once.
        await db.SaveChangesAsync(cancellationToken);
        return person;
    }

    /// <summary>
    /// Ends the caller's session. Session cookies are not stored on the server: a new security stamp
    /// makes every copy of this person's cookies worthless, so a captured cookie dies with the sign-out.
    /// </summary>
    public async Task SignOutAsync(Caller caller, HttpContext context, CancellationToken cancellationToken)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (caller.Kind == CallerKind.Person)
        {
            var person = await db.People.SingleAsync(p => p.Id == caller.Id, cancellationToken);
            person.SecurityStamp = Guid.NewGuid().ToString("N");
            audit.Record(caller, "signout", null, AuditTarget.For(person), AuditOutcome.Success);
            // Commit: the new security stamp (every copy of the cookie dies) and the sign-out's audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        await audit.RecordNowAsync(caller, "signout", null, null, AuditOutcome.Success, null, cancellationToken);
    }

    public async Task<Result<Person>> ChangePasswordAsync(Caller caller, ChangePasswordRequest request, CancellationToken cancellationToken)
    {
        if (caller.Kind != CallerKind.Person)
        {
            return AppError.BadRequest("Only people have passwords; API clients rotate their secret instead.");
        }

        var person = await db.People.SingleAsync(p => p.Id == caller.Id, cancellationToken);
        if (string.IsNullOrEmpty(request.CurrentPassword) || !hasher.Verify(person.PasswordHash, request.CurrentPassword))
        {
            audit.Record(caller, "password.change.failed", null, AuditTarget.For(person), AuditOutcome.Denied, new { reason = "current password wrong" });
            // Commit: the denied audit record on its own, so the failed attempt is kept even though the change is refused.
            await db.SaveChangesAsync(cancellationToken);
            return AppError.Validation("currentPassword", "The current password is incorrect.");
        }

        if (PasswordRuleError(person, request.NewPassword, request.CurrentPassword) is { } rule)
        {
            return AppError.Validation("newPassword", rule);
        }

        person.PasswordHash = hasher.Hash(request.NewPassword!);
        person.MustChangePassword = false;
        person.SecurityStamp = Guid.NewGuid().ToString("N");
        person.Version++;
        audit.Record(caller, "password.changed", null, AuditTarget.For(person), AuditOutcome.Success);
        // Commit: the new password hash, the new security stamp and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return person;
    }

    /// <summary>Gives a person a random temporary password that must be changed at first sign-in.</summary>
    public async Task<Result<TemporaryPassword>> ResetPasswordAsync(Caller caller, Guid personId, AccessPolicy access, CancellationToken cancellationToken)
    {
        var person = await db.People.Include(p => p.Roles).ThenInclude(r => r.Role).SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.EditPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        // Note: whoever sets a password can sign in as that person, so it takes at least the person's rights.
        foreach (var role in person.Roles.Select(r => r.Role!))
        {
            if (RolesService.EscalationError(caller, role) is { } escalation)
            {
                return escalation;
            }
        }

        var password = PasswordHasher.Generate();
        person.PasswordHash = hasher.Hash(password);
        person.MustChangePassword = true;
        person.FailedSignIns = 0;
        person.LockedUntil = null;
        person.SecurityStamp = Guid.NewGuid().ToString("N");
        person.Version++;
        audit.Record(caller, "password.reset", Workflow.EditPerson, AuditTarget.For(person), AuditOutcome.Success);
        // Commit: the temporary password, the cleared lockout, the new security stamp and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return new TemporaryPassword(person.LogonName, password, true);
    }

    public string? PasswordRuleError(Person person, string? password, string? previous)
    {
        var min = options.Value.MinimumPasswordLength;
        if (string.IsNullOrEmpty(password) || password.Length < min)
        {
            return $"The new password must be at least {min} characters long.";
        }

        if (password.Length > 256)
        {
            return "The new password must be at most 256 characters long.";
        }

        if (password == previous)
        {
            return "The new password must differ from the current one.";
        }

        return password.Contains(person.LogonName, StringComparison.OrdinalIgnoreCase)
            ? "The new password must not contain your logon name."
            : null;
    }

    /// <summary>Audits a successful sign-in (any logon mechanism) as the person who signed in.</summary>
    internal static void RecordSignIn(AuditTrail audit, Person person, object details) =>
        audit.Record(new Caller { Kind = CallerKind.Person, Id = person.Id, Name = person.LogonName, Grants = [] },
            "signin.succeeded", null, AuditTarget.For(person), AuditOutcome.Success, details);

    private static string Shorten(string value) => value.Length <= 128 ? value : value[..128];
}
