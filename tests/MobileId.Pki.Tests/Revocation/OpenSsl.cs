namespace MobileId.Pki.Tests.Revocation;

/// <summary>Runs Debian's <c>openssl</c> (the third-party client the CRLs must satisfy) through <see cref="ExternalTool"/>.</summary>
internal static class OpenSsl
{
    public static Task<ToolResult> RunAsync(string workingDirectory, params string[] arguments) =>
        ExternalTool.RunAsync(workingDirectory, "openssl", arguments);

    /// <summary>Runs openssl and fails the test, showing everything it printed, unless it exits with 0.</summary>
    public static Task<ToolResult> RunOkAsync(string workingDirectory, params string[] arguments) =>
        ExternalTool.RunOkAsync(workingDirectory, "openssl", arguments);
}
