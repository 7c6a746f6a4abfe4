namespace MobileId.Server.Infrastructure;

public static class ServerAddresses
{
    /// <summary>The address the server listens on when neither --urls nor ASPNETCORE_URLS says otherwise (PRODUCT.md §13).</summary>
    public const string Default = "http://127.0.0.1:5080";

    public static string Primary(IConfiguration configuration)
    {
        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"];
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(first))
        {
            return Default;
        }

        // A wildcard host is for binding, not for a browser.
        return first.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .TrimEnd('/');
    }
}
