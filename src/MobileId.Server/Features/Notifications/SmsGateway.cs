using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Notifications;

/// <summary>
/// The HTTP SMS gateway: each SMS is a POST of <c>{"to": number, "text": text}</c> (member names
/// configurable), with a bearer token from an environment variable when one is set. Any answer
/// but 2xx is a failure; the gateway's answer body is not kept (it may echo the text).
/// </summary>
public sealed class SmsGateway(IHttpClientFactory clients, IOptions<SmsOptions> options)
{
    public const string ClientName = "sms-gateway";

    public async Task SendAsync(string to, string text, CancellationToken cancellationToken)
    {
        var sms = options.Value;
        if (!sms.HasGateway)
        {
            throw new DeliveryException("No HTTP SMS gateway is configured (MobileId:Sms:GatewayUrl).");
        }

        var body = new JsonObject { [sms.ToField] = to, [sms.TextField] = text };
        using var request = new HttpRequestMessage(HttpMethod.Post, sms.GatewayUrl) { Content = JsonContent.Create(body) };
        if (Environment.GetEnvironmentVariable(sms.TokenVariable) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(sms.TimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException($"The SMS gateway did not answer within {sms.TimeoutSeconds} s.");
        }
        catch (HttpRequestException ex)
        {
            throw new DeliveryException($"Cannot reach the SMS gateway: {ex.Message}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new DeliveryException($"The SMS gateway answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
        }
    }
}
