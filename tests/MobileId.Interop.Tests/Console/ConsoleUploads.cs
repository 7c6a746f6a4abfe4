namespace MobileId.Interop.Tests.Console;

/// <summary>Posts the console's multipart forms (file uploads) as a browser without scripts does.</summary>
public static class ConsoleUploads
{
    /// <summary>
    /// Loads <paramref name="path"/>, then posts its form named <paramref name="form"/> as multipart/form-data with these
    /// fields, the file in <paramref name="fileField"/> (none when null) and the page's antiforgery token.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string path, string form, IDictionary<string, string> fields,
        string fileField, byte[]? file)
    {
        var page = await browser.GetStringAsync(path);
        using var content = new MultipartFormDataContent
        {
            { new StringContent(form), "_handler" },
            { new StringContent(ConsoleForms.Token(page)), "__RequestVerificationToken" },
        };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        if (file is not null)
        {
            content.Add(new ByteArrayContent(file), fileField, fileField + ".p12");
        }

        return await browser.PostAsync(path, content);
    }
}
