using System.Text.Json.Serialization;

namespace MobileId.Protocol.Device;

/// <summary>
/// The badge in a package (PRODUCT.md §11): the layout's elements, the person's values for its text
/// fields, the photo when the layout shows it, and the signed identity token its QR code carries.
/// </summary>
/// <param name="Layout">The card layout's name.</param>
/// <param name="Elements">Top to bottom.</param>
/// <param name="Values">The person's value of each field a text element shows.</param>
/// <param name="Photo">The person's photo, base64, when the layout shows it.</param>
/// <param name="PhotoContentType">The photo's media type.</param>
/// <param name="IdentityToken">For the QR element: a compact JWS (ES256) signed by the content signing key.</param>
public sealed record Badge(string Layout, IReadOnlyList<BadgeElement> Elements, IReadOnlyDictionary<string, string?> Values, string? Photo,
    string? PhotoContentType, string? IdentityToken);

/// <summary>One element of a badge, top to bottom.</summary>
/// <param name="Type">What the element shows.</param>
/// <param name="Field">For text: the person field shown.</param>
/// <param name="Label">For text: a caption above the value.</param>
/// <param name="FileName">For an image: its file name.</param>
/// <param name="Data">For an image: the file, base64.</param>
public sealed record BadgeElement(BadgeElementType Type, string? Field = null, string? Label = null, string? FileName = null, string? Data = null);

/// <summary>What a badge element shows: <c>text</c>, <c>photo</c>, <c>image</c> or <c>qr</c>.</summary>
public enum BadgeElementType
{
    /// <summary>A person field.</summary>
    [JsonStringEnumMemberName("text")]
    Text,

    /// <summary>The person's photo.</summary>
    [JsonStringEnumMemberName("photo")]
    Photo,

    /// <summary>An image of the layout.</summary>
    [JsonStringEnumMemberName("image")]
    Image,

    /// <summary>The signed identity token as a QR code.</summary>
    [JsonStringEnumMemberName("qr")]
    Qr,
}
