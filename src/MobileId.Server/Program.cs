using MobileId.Server.Commands;
using MobileId.Server.Hosting;

// Note: with a command (init, admin, audit, import) the executable runs it and exits; without one it serves.
if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args, Console.Out, Console.Error);
}

var app = MobileIdServer.CreateBuilder(args).Build().Configure();
try
{
    await app.RunAsync();
}
catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException or MobileId.Pki.Keys.KeyStoreException)
{
    // Note: what stops the start (a database of another schema history, bad options, a key store that
    // does not open) is said in one readable line, not a stack trace.
    await Console.Error.WriteLineAsync($"MobileId could not start: {ex.Message}");
    return 1;
}

return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
