using System.Diagnostics;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Stripe;

/// <summary>
/// Under Stripe.net's HttpClient, so it sees every attempt (each retry of <see cref="StripeApi"/>'s
/// policy is one more request through here): each waits for a token of this process's share of the
/// account's rate budget (<see cref="TokenBucket"/>, <see cref="StripeBudget"/>), so the platform
/// stays under Stripe's limit by design, and each is counted (endpoint and status) and traced as a
/// client span with its idempotency key and Stripe's Request-Id.
/// </summary>
public sealed class StripeRateBudgetHandler(TokenBucket bucket) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        await bucket.TakeAsync(ct);
        var endpoint = Endpoint(request.RequestUri?.AbsolutePath ?? "/");
        using var span = PipelineTelemetry.ActivitySource.StartActivity($"stripe {request.Method.Method} {endpoint}",
            ActivityKind.Client);
        span?.SetTag("http.request.method", request.Method.Method);
        span?.SetTag("url.template", endpoint);
        if (request.Headers.TryGetValues("Idempotency-Key", out var keys))
            span?.SetTag("stripe.idempotency_key", keys.FirstOrDefault());
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, ct);
        }
        catch (Exception e)
        {
            Count(request.Method, endpoint, 0);
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        var status = (int)response.StatusCode;
        Count(request.Method, endpoint, status);
        span?.SetTag("http.response.status_code", status);
        if (response.Headers.TryGetValues("Request-Id", out var ids))
            span?.SetTag("stripe.request_id", ids.FirstOrDefault());
        if (status is not (>= 200 and < 300)) span?.SetStatus(ActivityStatusCode.Error, $"HTTP {status}");
        return response;
    }

    private static void Count(HttpMethod method, string endpoint, int status) =>
        PipelineTelemetry.StripeRequests.Add(1,
            new KeyValuePair<string, object?>("endpoint", $"{method.Method} {endpoint}"),
            new KeyValuePair<string, object?>("status", status));

    /// <summary>
    /// The endpoint a request went to, with Stripe's object ids (tr_..., acct_..., pi_...: the
    /// only path segments with digits, v1 aside) as {id} and no query: few enough values to be a
    /// metric's tag.
    /// </summary>
    public static string Endpoint(string pathAndQuery)
    {
        var path = pathAndQuery.Split('?', 2)[0].Trim('/');
        return "/" + string.Join('/', path.Split('/').Select(segment =>
            segment != "v1" && segment.Any(char.IsAsciiDigit) ? "{id}" : segment));
    }
}
