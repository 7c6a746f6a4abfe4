using System.Diagnostics;

namespace MobileId.Server.Tests.Infrastructure;

/// <summary>Runs a third-party client (openssl, curl …) with a timeout and returns its exit code and everything it printed.</summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="standardInput">When given, the program reads this and then the end of its input (it has no terminal).</param>
    public static async Task<(int Code, string Output)> RunAsync(string file, string arguments, string? standardInput = null)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = standardInput is not null,
        }) ?? throw new InvalidOperationException($"{file} did not start; ./test.sh installs it.");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"$ {file} {arguments}\ndid not finish within {Timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, $"$ {file} {arguments}\n{await stdout}{await stderr}");
    }
}

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
