namespace MobileId.Testing;

/// <summary>Asks the server's OCSP responder with requests and checks made by <c>openssl ocsp</c>.</summary>
public static class OpenSslOcsp
{
    /// <summary>
    /// Makes a request without a nonce for the leaf, POSTs it through the client, and has openssl
    /// verify the answer against the trusted certificates; returns what openssl printed.
    /// </summary>
    public static async Task<string> AskAsync(HttpClient client, string directory, string issuerPem, string leafPem, string trustPem)
    {
        var request = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {issuerPem} -cert {leafPem} -no_nonce -reqout {directory}/req.der");
        Assert.True(request.Code == 0, request.Output);
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync($"{directory}/req.der"));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/ocsp-request");
        await File.WriteAllBytesAsync($"{directory}/resp.der", await (await client.PostAsync("/pki/ocsp", content)).Content.ReadAsByteArrayAsync());
        var answer = await ExternalTool.RunAsync("openssl", $"ocsp -respin {directory}/resp.der -issuer {issuerPem} -cert {leafPem} -CAfile {trustPem} -no_nonce");
        Assert.True(answer.Code == 0, answer.Output);
        return answer.Output;
    }
}
