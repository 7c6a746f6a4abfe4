using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MobileId.CollectBench;

/// <summary>A mobile ID ready to collect: the provisioning link and the one-time code from the Request ID answer.</summary>
public sealed record Pickup(string Link, string Code);

/// <summary>
/// Prepares the server through its REST API, as an administrator would: Operation Settings, an EC
/// P-256 device-key policy, an operator role with Request ID and its API client, a credential
/// profile, the Cardholders (one CSV import), and one Request ID per person. The QR code channel
/// keeps the notification outbox out of the run.
/// </summary>
public sealed class BenchSetup(HttpClient api)
{
    public const string Profile = "bench-phone";
    public const string Container = "System Store";
    private const string Policy = "bench-auth";
    private const string Operator = "Bench Operator";
    private const string Holder = "Cardholder";
    private const string LogonPrefix = "bench-";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Links point at <paramref name="baseAddress"/>; no session limit; no agent retries (an error is
    /// counted, not hidden by a retry). Returns the secret of an operator API client with Request ID.
    /// </summary>
    public async Task<string> ConfigureAsync(string baseAddress, CancellationToken cancellationToken)
    {
        await SendAsync(HttpMethod.Put, "/api/v1/settings", new
        {
            values = new Dictionary<string, object>
            {
                ["webServerExternalAddress"] = baseAddress, ["maximumSessionCount"] = -1, ["minimumRetryDelay"] = 1, ["maximumRetryAttempts"] = 0,
            },
        }, cancellationToken);
        await SendAsync(HttpMethod.Post, "/api/v1/policies", new
        {
            name = Policy, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" }, subjectTemplate = "CN={displayName}", sanEmail = true, validityDays = 365,
        }, cancellationToken);
        await SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = Operator, scope = "All", workflows = new[] { "FindPerson", "RequestId" } }, cancellationToken);
        var client = await SendAsync(HttpMethod.Post, "/api/v1/api-clients", new { name = "bench-operator", role = Operator, scope = "All" }, cancellationToken);
        await SendAsync(HttpMethod.Post, "/api/v1/profiles", new
        {
            name = Profile, deviceRestriction = "Any", cardFormat = "Mobile",
            certificates = new[] { new { policy = Policy, container = Container, mode = "IssueNew" } },
            roles = new[]
            {
                new { role = Holder, canReceive = true, canRequest = false, canValidate = false, canCollect = true, canUnlock = false },
                new { role = Operator, canReceive = false, canRequest = true, canValidate = false, canCollect = false, canUnlock = false },
            },
        }, cancellationToken);
        return client.GetProperty("secret").GetString()!;
    }

    /// <summary>Imports <paramref name="count"/> Cardholders in one CSV and returns their ids in logon-name order.</summary>
    public async Task<IReadOnlyList<Guid>> PeopleAsync(int count, CancellationToken cancellationToken)
    {
        var csv = new StringBuilder("logonName,firstName,lastName,email,roles\n");
        for (var i = 0; i < count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{LogonPrefix}{i:D6},Bench,Person{i},{LogonPrefix}{i:D6}@example.org,{Holder}\n");
        }

        using var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv");
        using var imported = await api.PostAsync(new Uri("/api/v1/people/import", UriKind.Relative), content, cancellationToken);
        await EnsureAsync(imported, cancellationToken);
        var ids = new List<(string Logon, Guid Id)>();
        for (var page = 1; ids.Count < count; page++)
        {
            var found = await api.GetFromJsonAsync<JsonElement>($"/api/v1/people?q={LogonPrefix}&pageSize=200&page={page}", Json, cancellationToken);
            var items = found.GetProperty("items");
            if (items.GetArrayLength() == 0)
            {
                break;
            }

            ids.AddRange(items.EnumerateArray().Select(p => (p.GetProperty("logonName").GetString()!, p.GetProperty("id").GetGuid())));
        }

        if (ids.Count != count)
        {
            throw new InvalidOperationException($"Imported {count} people but found {ids.Count}.");
        }

        return ids.OrderBy(p => p.Logon, StringComparer.Ordinal).Select(p => p.Id).ToList();
    }

    /// <summary>Request ID for each person (QR code channel) by the operator; the answers carry link and code.</summary>
    public async Task<IReadOnlyList<Pickup>> RequestAsync(IReadOnlyList<Guid> people, string operatorSecret, int parallelism, CancellationToken cancellationToken)
    {
        var pickups = new Pickup[people.Count];
        await Parallel.ForAsync(0, people.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var view = await SendAsync(HttpMethod.Post, $"/api/v1/people/{people[i]}/mobile-ids", new { profile = Profile, channel = "QrCode" }, token,
                    operatorSecret);
                pickups[i] = new Pickup(view.GetProperty("link").GetString()!, view.GetProperty("code").GetString()!);
            });
        return pickups;
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object body, CancellationToken cancellationToken, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await api.SendAsync(request, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: " +
                await response.Content.ReadAsStringAsync(cancellationToken));
        }
    }
}
