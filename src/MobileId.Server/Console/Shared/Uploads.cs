namespace MobileId.Server.Console.Shared;

/// <summary>Files posted by the console's multipart forms, handed to the services as the API receives them (base64).</summary>
public static class Uploads
{
    /// <summary>The file posted in the field <paramref name="field"/> as base64; empty when none was chosen.</summary>
    public static async Task<string> Base64Async(HttpContext context, string field)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files.GetFile(field) is not { Length: > 0 } file)
        {
            return "";
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, context.RequestAborted);
        return Convert.ToBase64String(buffer.ToArray());
    }
}
