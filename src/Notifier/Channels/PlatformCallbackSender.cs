using System.Globalization;
using System.Text;
using ContestPipeline.Notifier.Deliveries;

namespace ContestPipeline.Notifier.Channels;

/// <summary>
/// Players' notifications to the platform: a signed POST of the delivery's JSON to its callback
/// endpoint (<see cref="PlatformCallbackSignature"/>), with the delivery id in a header as in the body. A
/// 2xx answer is delivered; anything else, or no answer in time, is an attempt that failed.
/// </summary>
public sealed class PlatformCallbackSender(NotifierOptions options, HttpClient http, TimeProvider clock)
{
    public async Task<AttemptOutcome> SendAsync(Delivery delivery, int attempt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.PlatformWebhookUrl)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(PlatformCallbackSignature.Header,
            PlatformCallbackSignature.Sign(options.PlatformWebhookSecret, clock.GetUtcNow(), delivery.Body));
        request.Headers.Add(PlatformCallbackSignature.DeliveryIdHeader, delivery.DeliveryId);
        request.Headers.Add(PlatformCallbackSignature.AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            return new AttemptOutcome(response.IsSuccessStatusCode,
                $"{options.PlatformWebhookUrl.GetLeftPart(UriPartial.Path)} answered {status}");
        }
        catch (Exception e) when (e is HttpRequestException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new AttemptOutcome(false,
                $"{options.PlatformWebhookUrl.GetLeftPart(UriPartial.Path)}: {e.GetType().Name}: {e.Message}");
        }
    }
}
