using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MobileId.Agent;

/// <summary>The server refused (exit code 3): its problem-details message and code.</summary>
public sealed class RejectedException(string message, string? code = null) : Exception(message)
{
    /// <summary>The problem's <c>code</c> (such as <c>session_invalid</c>), when the server sent one.</summary>
    public string? Code { get; } = code;
}

/// <summary>The server could not be reached after the retries (exit code 4).</summary>
public sealed class UnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The device protocol's HTTP side: JSON bodies and answers in <see cref="DeviceProtocolJson"/>, refusals, and the policy's retries.</summary>
public sealed partial class Collector
{
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromMinutes(5);

    /// <summary>
    /// POSTs <paramref name="body"/> (a device-protocol request, or none) and reads the answer as a
    /// <typeparamref name="TResponse"/>. A problem answer below 500 is a rejection (exit 3);
    /// unreachable, 5xx and 503 are retried <b>Maximum retry attempts</b> times, waiting <b>Minimum
    /// retry delay</b> and doubling (at least what Retry-After asks), and are unavailability (exit 4) after that.
    /// </summary>
    /// <param name="session">The bearer token, sent as <c>Authorization: {scheme} {token}</c>.</param>
    /// <param name="scheme">Session (collection) or Unlock.</param>
    internal async Task<TResponse> PostAsync<TResponse>(Uri uri, object? body, string? session, CancellationToken cancellationToken, string scheme = "Session")
    {
        var wait = TimeSpan.FromSeconds(Math.Max(1, Policy.MinimumRetryDelay));
        for (var attempt = 0; ; attempt++)
        {
            string failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri)
                {
                    Content = body is null ? null : JsonContent.Create(body, DeviceProtocolJson.Default.GetTypeInfo(body.GetType())!),
                };
                if (session is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue(scheme, session);
                }

                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    log.Debug($"POST {uri.AbsolutePath}: {(int)response.StatusCode}");
                    return JsonSerializer.Deserialize<TResponse>(text, DeviceProtocolJson.Default.Options)
                        ?? throw new RejectedException($"The server answered POST {uri.AbsolutePath} with no content.");
                }

                var problem = text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonSerializer.Deserialize(text, DeviceProtocolJson.Default.DeviceProblem)
                    : null;
                var detail = problem?.Detail ?? $"HTTP {(int)response.StatusCode}";
                if ((int)response.StatusCode < 500)
                {
                    log.Error($"POST {uri.AbsolutePath} refused ({(int)response.StatusCode}): {detail}");
                    throw new RejectedException(detail, problem?.Code);
                }

                failure = $"the server answered: {detail}";
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException ex)
            {
                failure = $"{uri.GetLeftPart(UriPartial.Authority)} cannot be reached ({ex.Message.TrimEnd('.')})";
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{uri.GetLeftPart(UriPartial.Authority)} did not answer in time ({ex.Message})";
            }

            if (attempt >= Policy.MaximumRetryAttempts)
            {
                log.Error($"POST {uri.AbsolutePath} failed after {attempt + 1} tries: {failure}");
                throw new UnavailableException($"{char.ToUpperInvariant(failure[0])}{failure[1..]} (after {attempt + 1} tries).");
            }

            var pause = retryAfter is { } asked && asked > wait ? asked : wait;
            log.Warning($"POST {uri.AbsolutePath} failed ({failure}); retry {attempt + 1} of {Policy.MaximumRetryAttempts} in {pause.TotalSeconds:0} s");
            await progress.WriteLineAsync($"  {failure}; trying again in {pause.TotalSeconds:0} s ({attempt + 1}/{Policy.MaximumRetryAttempts})…");
            await (delay ?? Task.Delay)(pause, cancellationToken);
            wait = wait * 2 > LongestRetryDelay ? LongestRetryDelay : wait * 2;
        }
    }
}
