using System.Text.Json;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Layouts;

/// <summary>One element of a badge, top to bottom: a person field, the person's photo, an image, or the signed identity QR code.</summary>
/// <param name="Type"><c>text</c>, <c>photo</c>, <c>image</c> or <c>qr</c>.</param>
/// <param name="Field">For text: the person field shown (<see cref="CardLayouts.Fields"/>).</param>
/// <param name="Label">For text: a caption above the value.</param>
/// <param name="FileName">For an image: its file name (<c>.png</c>, <c>.jpg</c> or <c>.jpeg</c>).</param>
/// <param name="Data">For an image: the file, base64.</param>
public sealed record LayoutElement(string? Type, string? Field = null, string? Label = null, string? FileName = null, string? Data = null);

public sealed record CardLayoutInput(string? Name, string? Description, List<LayoutElement>? Elements);

public sealed record CardLayoutView(Guid Id, string Name, string? Description, IReadOnlyList<LayoutElement> Elements, IReadOnlyList<string> UsedBy, DateTime UpdatedAt);

/// <summary>
/// <b>Card Layouts</b> (PRODUCT.md §11): badge layouts that a credential profile puts on the phone.
/// A badge is portrait, scaled to the screen width, in the system font with horizontal text; its
/// elements are person fields, the photo, PNG or JPEG images (<c>.jpeg</c> included) and a signed
/// identity QR code that another device verifies offline.
/// </summary>
public sealed class CardLayouts(MobileIdDbContext db, AuditTrail audit, TimeProvider time)
{
    /// <summary>The person fields a text element may show.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["displayName", "firstName", "lastName", "logonName", "email", "mobile", "employeeId", "jobTitle", "organization", "group"];

    public const int MaxElements = 30;
    public const int MaxImageBytes = 512 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What a list's <c>q</c> looks in: the name and the description.</summary>
    public static IEnumerable<string?> SearchText(CardLayoutView layout) => [layout.Name, layout.Description];

    public async Task<IReadOnlyList<CardLayoutView>> ListAsync(CancellationToken cancellationToken)
    {
        var layouts = await db.CardLayouts.AsNoTracking().OrderBy(l => l.Name).ToListAsync(cancellationToken);
        var users = await UsersAsync(cancellationToken);
        return layouts.Select(l => View(l, users)).ToList();
    }

    public async Task<Result<CardLayoutView>> GetAsync(string name, CancellationToken cancellationToken)
    {
        var layout = await db.CardLayouts.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, cancellationToken);
        return layout is null ? AppError.NotFound($"The card layout '{name}'") : View(layout, await UsersAsync(cancellationToken));
    }

    /// <summary>Creates (<paramref name="name"/> null) or replaces a layout; every broken rule is reported, naming the element.</summary>
    public async Task<Result<CardLayoutView>> SaveAsync(Caller caller, string? name, CardLayoutInput input, CancellationToken cancellationToken)
    {
        var errors = Validate(input);
        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var layout = name is null ? null : await db.CardLayouts.SingleOrDefaultAsync(l => l.Name == name, cancellationToken);
        if (name is not null && layout is null)
        {
            return AppError.NotFound($"The card layout '{name}'");
        }

        var newName = input.Name!.Trim();
        if (await db.CardLayouts.AnyAsync(l => l.Name == newName && (layout == null || l.Id != layout.Id), cancellationToken))
        {
            return AppError.Conflict($"A card layout named '{newName}' already exists.");
        }

        if (layout is null)
        {
            layout = new CardLayout { Id = Guid.CreateVersion7(), Name = newName, Definition = "", CreatedAt = now };
            db.CardLayouts.Add(layout);
        }

        layout.Name = newName;
        layout.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        layout.Definition = JsonSerializer.Serialize(Normalize(input.Elements!), Json);
        layout.UpdatedAt = now;
        audit.Record(caller, name is null ? "card-layout.created" : "card-layout.changed", Workflow.CardLayouts, new AuditTarget("card-layout", layout.Id.ToString("D"), newName),
            AuditOutcome.Success, new { name = newName, elements = input.Elements!.Select(e => e.Type).ToList() });
        // Commit: the card layout and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return View(layout, await UsersAsync(cancellationToken));
    }

    public async Task<AppError?> DeleteAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        var layout = await db.CardLayouts.SingleOrDefaultAsync(l => l.Name == name, cancellationToken);
        if (layout is null)
        {
            return AppError.NotFound($"The card layout '{name}'");
        }

        var users = await db.CredentialProfiles.Where(p => p.CardLayoutId == layout.Id).Select(p => p.Name).ToListAsync(cancellationToken);
        if (users.Count > 0)
        {
            return AppError.Conflict($"The card layout '{name}' is used by the credential profile(s) {string.Join(", ", users)}; choose another layout there first.");
        }

        db.CardLayouts.Remove(layout);
        audit.Record(caller, "card-layout.deleted", Workflow.CardLayouts, new AuditTarget("card-layout", layout.Id.ToString("D"), name), AuditOutcome.Success, new { name });
        // Commit: the card layout's removal and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    public static IReadOnlyList<LayoutElement> ElementsOf(CardLayout layout) =>
        JsonSerializer.Deserialize<List<LayoutElement>>(layout.Definition, Json) ?? [];

    /// <summary>The value of a person field for a badge.</summary>
    public static string? FieldValue(Person person, string? group, string field) => field switch
    {
        "displayName" => PersonRules.DisplayName(person),
        "firstName" => person.FirstName,
        "lastName" => person.LastName,
        "logonName" => person.LogonName,
        "email" => person.Email,
        "mobile" => person.Mobile,
        "employeeId" => person.EmployeeId,
        "jobTitle" => person.JobTitle,
        "organization" => person.Organization,
        "group" => group,
        _ => null,
    };

    private static Dictionary<string, string[]> Validate(CardLayoutInput input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 100)
        {
            errors["name"] = ["A card layout needs a name of at most 100 characters."];
        }

        if (input.Description is { Length: > 1000 })
        {
            errors["description"] = ["The description has at most 1000 characters."];
        }

        if (input.Elements is not { Count: > 0 and <= MaxElements })
        {
            errors["elements"] = [$"A badge has between 1 and {MaxElements} elements (text, photo, image, qr), top to bottom."];
            return errors;
        }

        for (var i = 0; i < input.Elements.Count; i++)
        {
            if (ElementError(input.Elements[i]) is { } error)
            {
                errors[$"elements[{i}]"] = [error];
            }
        }

        return errors;
    }

    private static string? ElementError(LayoutElement element) => element.Type?.ToLowerInvariant() switch
    {
        "text" when element.Field is null || !Fields.Contains(element.Field) =>
            $"A text element shows one of the person fields {string.Join(", ", Fields)}; '{element.Field}' is not one.",
        "text" when element.Label is { Length: > 100 } => "A label has at most 100 characters.",
        "text" or "photo" or "qr" => null,
        "image" => ImageError(element.FileName, element.Data),
        _ => $"'{element.Type}' is not an element type: use text, photo, image or qr.",
    };

    /// <summary>PNG or JPEG by content, under a name that says the same (<c>.jpeg</c> is as good as <c>.jpg</c>).</summary>
    private static string? ImageError(string? fileName, string? data)
    {
        var extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        if (extension is not (".png" or ".jpg" or ".jpeg"))
        {
            return $"An image is a .png, .jpg or .jpeg file; '{fileName}' is not.";
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data ?? "");
        }
        catch (FormatException)
        {
            return $"The data of '{fileName}' is not base64.";
        }

        if (bytes.Length == 0 || bytes.Length > MaxImageBytes)
        {
            return $"'{fileName}' must hold between 1 byte and {MaxImageBytes / 1024} KB; it has {bytes.Length} bytes.";
        }

        var png = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var jpeg = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]);
        return (png, jpeg, extension) switch
        {
            (false, false, _) => $"'{fileName}' is neither a PNG nor a JPEG image.",
            (true, _, not ".png") => $"'{fileName}' is a PNG image; name it .png.",
            (_, true, ".png") => $"'{fileName}' is a JPEG image; name it .jpg or .jpeg.",
            _ => null,
        };
    }

    private static List<LayoutElement> Normalize(List<LayoutElement> elements) =>
        elements.Select(e => e.Type!.ToLowerInvariant() switch
        {
            "text" => new LayoutElement("text", e.Field, string.IsNullOrWhiteSpace(e.Label) ? null : e.Label.Trim()),
            "image" => new LayoutElement("image", FileName: Path.GetFileName(e.FileName), Data: e.Data),
            var type => new LayoutElement(type),
        }).ToList();

    private async Task<ILookup<Guid, string>> UsersAsync(CancellationToken cancellationToken) =>
        (await db.CredentialProfiles.AsNoTracking().Where(p => p.CardLayoutId != null).Select(p => new { p.CardLayoutId, p.Name }).ToListAsync(cancellationToken))
        .ToLookup(p => p.CardLayoutId!.Value, p => p.Name);

    private static CardLayoutView View(CardLayout layout, ILookup<Guid, string> users) =>
        new(layout.Id, layout.Name, layout.Description, ElementsOf(layout), users[layout.Id].Order(StringComparer.Ordinal).ToList(), layout.UpdatedAt);
}
