using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MobileId.Testing.Features.Access;

/// <summary>One REST API operation of the running server, with the access rule it carries (null when it has none).</summary>
public sealed record ApiEndpoint(string Method, string Route, AccessRule? Rule, RouteEndpoint Endpoint)
{
    public string Key => $"{Method} {Route}";

    /// <summary>A concrete path for this route: every <c>{id:guid}</c> becomes the given id.</summary>
    public string PathWith(Guid id) => Route.Replace("{id:guid}", id.ToString("D"), StringComparison.Ordinal);

    public override string ToString() => Key;
}

public static class ApiEndpoints
{
    public const string Prefix = "/api/v1/";

    /// <summary>Every endpoint under <c>/api/v1/</c> that the running app maps, one entry per HTTP method.</summary>
    public static IReadOnlyList<ApiEndpoint> Of(MobileIdApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith(Prefix, StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => new ApiEndpoint(m, e.RoutePattern.RawText!, e.Metadata.GetMetadata<AccessRule>(), e)))
            .OrderBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();
}

public static class AccessTestExtensions
{
    /// <summary>Gives a person a known password directly in the database, as an operator's reset would, without the must-change flag.</summary>
    public static Task SetPasswordAsync(this MobileIdApp app, Guid personId, string password, bool mustChange = false) =>
        app.WithDbAsync(async db =>
        {
            var person = await db.People.SingleAsync(p => p.Id == personId);
            person.PasswordHash = app.Services.GetRequiredService<PasswordHasher>().Hash(password);
            person.MustChangePassword = mustChange;
            await db.SaveChangesAsync();
        });
}
