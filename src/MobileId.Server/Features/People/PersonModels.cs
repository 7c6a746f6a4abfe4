using System.Net.Mail;
using System.Text.RegularExpressions;

namespace MobileId.Server.Features.People;

/// <summary>The editable fields of a person, as the API and the CSV import take them.</summary>
public sealed record PersonInput(
    string? LogonName,
    string? FirstName,
    string? LastName,
    string? Email,
    string? Mobile,
    Guid? GroupId,
    string? EmployeeId,
    string? JobTitle,
    string? Organization,
    PersonStatus? Status,
    int? Version = null);

public sealed record PersonView(
    Guid Id,
    string LogonName,
    string DisplayName,
    string? FirstName,
    string? LastName,
    string? Email,
    string? Mobile,
    Guid? GroupId,
    string? GroupName,
    string? EmployeeId,
    string? JobTitle,
    string? Organization,
    PersonStatus Status,
    IReadOnlyList<string> Roles,
    bool HasPhoto,
    int Version,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>Field rules for a person; the same for the API, the console and the CSV import.</summary>
public static partial class PersonRules
{
    public static Dictionary<string, string[]> Validate(PersonInput input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var logon = input.LogonName?.Trim();
        if (string.IsNullOrEmpty(logon))
        {
            errors["logonName"] = ["Logon name is required."];
        }
        else if (logon.Length > 128 || !LogonPattern().IsMatch(logon))
        {
            errors["logonName"] = [$"Logon name '{Shorten(logon)}' may have only letters, digits and . _ @ - (starting with a letter or digit), at most 128 characters."];
        }

        if (string.IsNullOrWhiteSpace(input.FirstName) && string.IsNullOrWhiteSpace(input.LastName))
        {
            errors["lastName"] = ["A first name or a last name is required."];
        }

        Length(errors, "firstName", "First name", input.FirstName, 100);
        Length(errors, "lastName", "Last name", input.LastName, 100);
        Length(errors, "employeeId", "Employee ID", input.EmployeeId, 64);
        Length(errors, "jobTitle", "Job title", input.JobTitle, 100);
        Length(errors, "organization", "Organization", input.Organization, 100);

        var email = input.Email?.Trim();
        if (!string.IsNullOrEmpty(email) &&
            (email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Split('@')[^1].Contains('.', StringComparison.Ordinal)))
        {
            errors["email"] = [$"Email '{Shorten(email)}' is not a valid email address."];
        }

        var mobile = input.Mobile?.Trim();
        if (!string.IsNullOrEmpty(mobile))
        {
            var digits = mobile.Count(char.IsAsciiDigit);
            if (!MobilePattern().IsMatch(mobile) || digits < 6 || digits > 15)
            {
                errors["mobile"] = [$"Mobile number '{Shorten(mobile)}' must be 6 to 15 digits, optionally starting with + and grouped with spaces, '-' or '()'."];
            }
        }

        return errors;
    }

    public static void Apply(Person person, PersonInput input)
    {
        person.LogonName = input.LogonName!.Trim();
        person.NormalizedLogonName = Normalize(person.LogonName);
        person.FirstName = Clean(input.FirstName);
        person.LastName = Clean(input.LastName);
        person.Email = Clean(input.Email);
        person.Mobile = Clean(input.Mobile);
        person.GroupId = input.GroupId;
        person.EmployeeId = Clean(input.EmployeeId);
        person.JobTitle = Clean(input.JobTitle);
        person.Organization = Clean(input.Organization);
        person.Status = input.Status ?? person.Status;
        person.SearchText = string.Join(' ', new[] { person.LogonName, person.FirstName, person.LastName, person.Email, person.EmployeeId }
            .Where(s => !string.IsNullOrEmpty(s))).ToLowerInvariant();
        if (person.SearchText.Length > 800)
        {
            person.SearchText = person.SearchText[..800];
        }
    }

    public static string Normalize(string logonName) => logonName.Trim().ToUpperInvariant();

    public static string DisplayName(Person p) =>
        string.Join(' ', new[] { p.FirstName, p.LastName }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } name ? name : p.LogonName;

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void Length(Dictionary<string, string[]> errors, string key, string name, string? value, int max)
    {
        if (value is not null && value.Trim().Length > max)
        {
            errors[key] = [$"{name} must be at most {max} characters long."];
        }
    }

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LogonPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]*[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex MobilePattern();
}
