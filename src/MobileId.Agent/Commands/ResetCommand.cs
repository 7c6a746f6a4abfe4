namespace MobileId.Agent.Commands;

/// <summary>
/// <c>reset [--yes]</c>: deletes the store after a confirmation. The server is not told: the
/// mobile ID stays issued and its certificates valid until it is cancelled there (PRODUCT.md §5.6).
/// </summary>
internal static class ResetCommand
{
    public static async Task<int> RunAsync(string store, bool confirmed, TextWriter output)
    {
        var file = AgentStore.Peek(store);
        if (file is null)
        {
            await output.WriteLineAsync($"No store at {store}: nothing to reset.");
            return Program.Ok;
        }

        var what = $"{file.Identities.Count} mobile ID(s) with their certificates and keys, the PIN and the pinned root";
        if (!confirmed && !Terminal.Confirm(
                $"Delete {what} from {store}? The server is not told: nothing is revoked. [y/N] ",
                $"reset deletes {what} from {store} and asks first; input is not a terminal: give --yes to reset without asking."))
        {
            await output.WriteLineAsync("Nothing was deleted.");
            return Program.Ok;
        }

        AgentStore.Wipe(store);
        await output.WriteLineAsync($"Deleted {what} from {store}. This revokes nothing: to stop the certificates, have the mobile ID cancelled on the server.");
        return Program.Ok;
    }
}
