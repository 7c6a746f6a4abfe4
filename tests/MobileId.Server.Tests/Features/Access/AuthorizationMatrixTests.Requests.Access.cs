using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.Access;

public sealed partial class AuthorizationMatrixTests
{
    /// <summary>The matrix rows for sign-in, roles, API clients, people and groups (merged into <see cref="Rows"/>).</summary>
    private static Dictionary<string, MatrixRow> AccessRows() => new(StringComparer.Ordinal)
    {
        // Sign-in: anonymous and RequiresCaller endpoints.
        ["POST /api/v1/auth/sign-in"] = new(TargetKind.None, Ok,
            r => Json(HttpMethod.Post, "/api/v1/auth/sign-in", new { logonName = r.World.SignInLogon, password = r.World.SignInPassword })),
        ["POST /api/v1/auth/sign-out"] = new(TargetKind.None, NoContent, _ => Send(HttpMethod.Post, "/api/v1/auth/sign-out")),
        ["POST /api/v1/auth/change-password"] = new(TargetKind.None,
            new Expectation(400, ErrorCodes.BadRequest, "passes access control; an API client has no password to change"),
            _ => Json(HttpMethod.Post, "/api/v1/auth/change-password", new { currentPassword = "not-a-password", newPassword = "Another-Long-Password-1" })),
        ["GET /api/v1/me"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/me"), VerifyAsync: VerifyMeAsync),

        // Edit Roles.
        ["GET /api/v1/roles/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/roles")),
        ["POST /api/v1/roles/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/roles", new { name = "mx-role-" + r.Unique, scope = "Department", workflows = new[] { "FindPerson" } }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-role-" + r.Unique)))),
        ["PUT /api/v1/roles/{id:guid}"] = new(TargetKind.None, Ok, async r =>
            {
                var id = await FreshRoleAsync(r);
                return await Json(HttpMethod.Put, $"/api/v1/roles/{id}",
                    new { name = "mx-fresh-" + r.Unique, description = "changed", scope = "Department", workflows = new[] { "FindPerson", "AddPerson" } });
            },
            VerifyAsync: async (r, _) => ChangedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique && x.Description == "changed")))),
        ["DELETE /api/v1/roles/{id:guid}"] = new(TargetKind.None, NoContent,
            async r => await Send(HttpMethod.Delete, $"/api/v1/roles/{await FreshRoleAsync(r)}"),
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.Roles.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique)))),
        ["PUT /api/v1/people/{id:guid}/roles"] = new(TargetKind.Person, Ok, async r =>
            {
                var roles = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().PersonRoles
                    .Where(x => x.PersonId == r.Target.Id).Select(x => x.Role!.Name).ToListAsync());
                return await Json(HttpMethod.Put, $"/api/v1/people/{r.Target.Id}/roles", new { roles });
            }),

        // API clients.
        ["GET /api/v1/api-clients/"] = new(TargetKind.None, Ok, _ => Send(HttpMethod.Get, "/api/v1/api-clients")),
        ["POST /api/v1/api-clients/"] = new(TargetKind.None, Created,
            r => Json(HttpMethod.Post, "/api/v1/api-clients", new { name = "mx-client-" + r.Unique, role = "Cardholder", scope = "Self", personId = r.World.Self.Id }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.ApiClients.AnyAsync(x => x.Name == "mx-client-" + r.Unique)))),
        ["DELETE /api/v1/api-clients/{id:guid}"] = new(TargetKind.None, NoContent, async r =>
            {
                var created = await r.App.WithServicesAsync(s => s.GetRequiredService<ApiClientsService>().CreateAsync(Caller.System("test"),
                    new CreateApiClientRequest("mx-fresh-" + r.Unique, "Cardholder", Scope.Self, r.World.Self.Id), CancellationToken.None));
                Assert.True(created.IsSuccess, created.Error?.Detail);
                return await Send(HttpMethod.Delete, $"/api/v1/api-clients/{created.Value!.Client.Id}");
            },
            VerifyAsync: async (r, _) => DeletedWhenAllowed(r, await ExistsAsync(r, db => db.ApiClients.AnyAsync(x => x.Name == "mx-fresh-" + r.Unique)))),

        // People.
        ["GET /api/v1/people/"] = new(TargetKind.PeopleList, Ok,
            _ => Send(HttpMethod.Get, "/api/v1/people?q=" + MatrixWorld.TargetLogonPrefix), VerifyAsync: VerifyPeopleListAsync),
        ["GET /api/v1/people/{id:guid}"] = new(TargetKind.Person, Ok, r => Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}"),
            VerifyAsync: (r, body) => Task.FromResult(!r.Expected.Succeeds || Id(body) == r.Target.Id ? null : $"the response is not {r.Target.Name}: {body}")),
        ["POST /api/v1/people/"] = new(TargetKind.NewInGroup, Created,
            r => Json(HttpMethod.Post, "/api/v1/people",
                new PersonInput("made." + r.Unique, "Made", "Person", null, null, r.Target.GroupId, null, null, null, null)),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.People.AnyAsync(x => x.LogonName == "made." + r.Unique)))),
        ["PUT /api/v1/people/{id:guid}"] = new(TargetKind.Person, Ok, async r =>
            {
                var p = await r.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.AsNoTracking().SingleAsync(x => x.Id == r.Target.Id));
                return await Json(HttpMethod.Put, $"/api/v1/people/{p.Id}",
                    new PersonInput(p.LogonName, p.FirstName, p.LastName, p.Email, p.Mobile, p.GroupId, p.EmployeeId, p.JobTitle, p.Organization, p.Status, p.Version));
            }),
        ["GET /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, Ok, async r =>
            {
                await EnsurePhotoAsync(r);
                return await Send(HttpMethod.Get, $"/api/v1/people/{r.Target.Id}/photo");
            }),
        ["PUT /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, NoContent, r =>
            {
                var content = new ByteArrayContent(Png);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                return Task.FromResult(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/people/{r.Target.Id}/photo") { Content = content });
            }),
        ["DELETE /api/v1/people/{id:guid}/photo"] = new(TargetKind.Person, NoContent, async r =>
            {
                await EnsurePhotoAsync(r);
                return await Send(HttpMethod.Delete, $"/api/v1/people/{r.Target.Id}/photo");
            }),
        ["POST /api/v1/people/{id:guid}/password"] = new(TargetKind.Person, Ok,
            r => Send(HttpMethod.Post, $"/api/v1/people/{r.Target.Id}/password"), TargetRolesMustBeHeld: true),
        ["POST /api/v1/people/import"] = new(TargetKind.ImportInGroup, Ok, r =>
            {
                var csv = $"logonName,lastName,group\nmade.{r.Unique},Imported,{r.World.GroupPaths[r.Target.GroupId]}\n";
                return Task.FromResult(new HttpRequestMessage(HttpMethod.Post, "/api/v1/people/import")
                {
                    Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
                });
            },
            VerifyAsync: async (r, body) =>
                r.Expected.Status == 400 && !body.Contains("outside the scope", StringComparison.Ordinal)
                    ? $"the rejected row does not say it is outside the scope: {body}"
                    : CreatedWhenAllowed(r, await ExistsAsync(r, db => db.People.AnyAsync(x => x.LogonName == "made." + r.Unique)))),

        // Groups.
        ["GET /api/v1/groups/"] = new(TargetKind.GroupList, Ok, _ => Send(HttpMethod.Get, "/api/v1/groups?pageSize=200"), VerifyAsync: VerifyGroupListAsync),
        ["POST /api/v1/groups/"] = new(TargetKind.NewInGroup, Created,
            r => Json(HttpMethod.Post, "/api/v1/groups", new { name = "mx-group-" + r.Unique, parentId = r.Target.GroupId }),
            VerifyAsync: async (r, _) => CreatedWhenAllowed(r, await ExistsAsync(r, db => db.Groups.AnyAsync(x => x.Name == "mx-group-" + r.Unique)))),
    };
}
