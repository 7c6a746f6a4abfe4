using MobileId.Server.Features.People;

namespace MobileId.Server.Console.Pages.People;

/// <summary>The fields of the Add Person and Edit Person forms, as posted.</summary>
public sealed class PersonForm
{
    public string? LogonName { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? Mobile { get; set; }
    public string? GroupId { get; set; }
    public string? EmployeeId { get; set; }
    public string? JobTitle { get; set; }
    public string? Organization { get; set; }
    public string? Status { get; set; }
    public int? Version { get; set; }

    public static PersonForm From(PersonView person) => new()
    {
        LogonName = person.LogonName, FirstName = person.FirstName, LastName = person.LastName, Email = person.Email, Mobile = person.Mobile,
        GroupId = person.GroupId?.ToString(), EmployeeId = person.EmployeeId, JobTitle = person.JobTitle, Organization = person.Organization,
        Status = person.Status.ToString(), Version = person.Version,
    };

    /// <summary>The service's input; an unreadable group or status is a field error rather than a silent default.</summary>
    public PersonInput ToInput(out AppError? unreadable)
    {
        unreadable = null;
        Guid? group = null;
        if (GroupId is { Length: > 0 } g)
        {
            if (Guid.TryParse(g, out var parsed))
            {
                group = parsed;
            }
            else
            {
                unreadable = AppError.Validation("groupId", "Choose a group from the list.");
            }
        }

        PersonStatus? status = null;
        if (Status is { Length: > 0 } s)
        {
            if (Enum.TryParse<PersonStatus>(s, out var parsed) && Enum.IsDefined(parsed))
            {
                status = parsed;
            }
            else
            {
                unreadable = AppError.Validation("status", "Choose a status from the list.");
            }
        }

        return new PersonInput(LogonName, FirstName, LastName, Email, Mobile, group, EmployeeId, JobTitle, Organization, status, Version);
    }
}
