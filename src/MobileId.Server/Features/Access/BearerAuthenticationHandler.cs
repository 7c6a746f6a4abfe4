using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Access;

/// <summary>Authenticates API clients by <c>Authorization: Bearer mid_…</c> (PRODUCT.md §13).</summary>
internal sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MobileIdDbContext db,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiClientSecrets.TryParse(header["Bearer ".Length..].Trim(), out var clientId, out var hash))
        {
            return AuthenticateResult.Fail("The bearer secret is not a MobileId API client secret.");
        }

        // Note: loaded with its role and left tracked in the request's context, so that the caller
        // resolver that runs next finds it there instead of reading it again.
        var client = await db.ApiClients.Include(c => c.Role).SingleOrDefaultAsync(c => c.Id == clientId, Context.RequestAborted);
        if (client is null || client.Disabled || !CryptographicOperations.FixedTimeEquals(client.SecretHash, hash))
        {
            return AuthenticateResult.Fail("The API client secret is not valid.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (client.LastUsedAt is null || now - client.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            // Note: recorded at most once a minute, so busy clients do not write on every call.
            await db.ApiClients.Where(c => c.Id == clientId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, now), Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(Caller.KindClaim, "api-client"),
                new Claim(Caller.IdClaim, client.Id.ToString("D")),
                new Claim(ClaimTypes.Name, client.Name),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
