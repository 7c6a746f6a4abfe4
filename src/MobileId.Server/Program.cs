using MobileId.Server.Commands;

// Note: with a command (init, admin, audit, import) the executable runs it and exits; without one it serves.
if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args, Console.Out, Console.Error);
}

var app = MobileIdServer.CreateBuilder(args).Build().Configure();
await app.RunAsync();
return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
