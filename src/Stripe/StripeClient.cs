using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContestPipeline.Plumbing.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ContestPipeline.Stripe;

/// <summary>
/// Stripe's REST API over an injected HttpClient: Bearer auth with the secret key, a pinned
/// Stripe-Version, form-encoded bodies, snake_case JSON. Every request first takes a token
/// from a <see cref="TokenBucket"/> so the platform stays under Stripe's rate limit by
/// design. Transient failures (429, 409, 5xx, no response) are retried with exponential backoff
/// and jitter up to <see cref="StripeClientOptions.AttemptsMax"/>, and every retry of a POST
/// carries the same Idempotency-Key, so it returns the first result instead of acting twice.
/// </summary>
public sealed class StripeClient : IStripeClient
{
    /// <summary>Stripe's largest page size.</summary>
    public const int ListLimitMax = 100;

    /// <summary>Stripe's longest idempotency key.</summary>
    public const int IdempotencyKeyLengthMax = 255;

    private static readonly ResiliencePropertyKey<string> OperationKey = new("stripe.operation");
    private static readonly MediaTypeHeaderValue FormContentType = new("application/x-www-form-urlencoded");

    private readonly HttpClient _http;
    private readonly StripeClientOptions _options;
    private readonly TokenBucket _bucket;
    private readonly ResiliencePipeline<StripeResponse> _retry;
    private readonly ResiliencePipeline _attemptTimeout;
    private readonly ILogger<StripeClient> _logger;

    public StripeClient(HttpClient http, StripeClientOptions options, TimeProvider clock, ILogger<StripeClient> logger)
    {
        options.Validate();
        _http = http;
        _options = options;
        _logger = logger;
        _bucket = new TokenBucket(options.RequestsPerSecond, options.RequestBurst, clock);

        var retry = new ResiliencePipelineBuilder<StripeResponse> { TimeProvider = clock };
        if (options.AttemptsMax > 1)
        {
            retry.AddRetry(new RetryStrategyOptions<StripeResponse>
            {
                MaxRetryAttempts = options.AttemptsMax - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelayBase,
                MaxDelay = options.RetryDelayMax,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                    ? IsTransient(e)
                    : IsRetryable(args.Outcome.Result!.Status, args.Outcome.Result.ShouldRetry)),
                OnRetry = args =>
                {
                    _logger.LogWarning("Stripe {Operation} attempt {Attempt} failed ({Failure}); retrying in {DelayMs} ms",
                        args.Context.Properties.GetValue(OperationKey, "?"), args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message ?? $"HTTP {args.Outcome.Result!.Status}, request {args.Outcome.Result.RequestId}",
                        (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        _retry = retry.Build();
        _attemptTimeout = new ResiliencePipelineBuilder { TimeProvider = clock }.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>The PaymentIntent with its latest charge expanded, so a refund or dispute of it is seen in the same read.</summary>
    public Task<StripePaymentIntent> GetPaymentIntentAsync(string id, CancellationToken ct = default) =>
        GetAsync<StripePaymentIntent>($"v1/payment_intents/{Segment(id)}", new StripeForm().Add("expand[]", "latest_charge"), ct);

    public Task<StripeRefund> CreateRefundAsync(RefundCreate refund, string idempotencyKey, CancellationToken ct = default) =>
        PostAsync<StripeRefund>("v1/refunds", new StripeForm()
            .Add("payment_intent", refund.PaymentIntent)
            .Add("amount", refund.Amount)
            .AddMetadata(refund.Metadata), idempotencyKey, ct);

    public Task<StripeRefund> GetRefundAsync(string id, CancellationToken ct = default) =>
        GetAsync<StripeRefund>($"v1/refunds/{Segment(id)}", null, ct);

    public Task<StripeAccount> CreateAccountAsync(AccountCreate account, string idempotencyKey, CancellationToken ct = default) =>
        PostAsync<StripeAccount>("v1/accounts", new StripeForm()
            .Add("type", "express")
            .Add("country", account.Country)
            .Add("email", account.Email)
            .Add("capabilities[transfers][requested]", true)
            .AddMetadata(account.Metadata), idempotencyKey, ct);

    public Task<StripeAccount> GetAccountAsync(string id, CancellationToken ct = default) =>
        GetAsync<StripeAccount>($"v1/accounts/{Segment(id)}", null, ct);

    public Task<StripeAccountLink> CreateAccountLinkAsync(AccountLinkCreate link, string idempotencyKey, CancellationToken ct = default) =>
        PostAsync<StripeAccountLink>("v1/account_links", new StripeForm()
            .Add("account", link.Account)
            .Add("refresh_url", link.RefreshUrl)
            .Add("return_url", link.ReturnUrl)
            .Add("type", "account_onboarding"), idempotencyKey, ct);

    public Task<StripeTransfer> CreateTransferAsync(TransferCreate transfer, string idempotencyKey, CancellationToken ct = default) =>
        PostAsync<StripeTransfer>("v1/transfers", new StripeForm()
            .Add("amount", transfer.Amount)
            .Add("currency", transfer.Currency.ToLowerInvariant())
            .Add("destination", transfer.Destination)
            .Add("transfer_group", transfer.TransferGroup)
            .Add("description", transfer.Description)
            .AddMetadata(transfer.Metadata), idempotencyKey, ct);

    public Task<StripeTransfer> GetTransferAsync(string id, CancellationToken ct = default) =>
        GetAsync<StripeTransfer>($"v1/transfers/{Segment(id)}", null, ct);

    public Task<StripeList<StripeTransfer>> ListTransfersAsync(string transferGroup, string? startingAfter = null,
        int limit = ListLimitMax, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, ListLimitMax);
        return GetAsync<StripeList<StripeTransfer>>("v1/transfers", new StripeForm()
            .Add("transfer_group", transferGroup)
            .Add("limit", limit)
            .Add("starting_after", startingAfter), ct);
    }

    public Task<StripeTransferReversal> CreateTransferReversalAsync(string transferId, TransferReversalCreate reversal,
        string idempotencyKey, CancellationToken ct = default) =>
        PostAsync<StripeTransferReversal>($"v1/transfers/{Segment(transferId)}/reversals", new StripeForm()
            .Add("amount", reversal.Amount)
            .Add("description", reversal.Description)
            .AddMetadata(reversal.Metadata), idempotencyKey, ct);

    public Task<StripeBalance> GetBalanceAsync(CancellationToken ct = default) =>
        GetAsync<StripeBalance>("v1/balance", null, ct);

    private Task<T> GetAsync<T>(string path, StripeForm? query, CancellationToken ct) =>
        SendAsync<T>(HttpMethod.Get, query is null || query.IsEmpty ? path : path + "?" + query.Encode(), null, null, ct);

    private Task<T> PostAsync<T>(string path, StripeForm form, string idempotencyKey, CancellationToken ct)
    {
        // A POST is only ever retried under its idempotency key, so it must have one.
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idempotencyKey.Length, IdempotencyKeyLengthMax, nameof(idempotencyKey));
        return SendAsync<T>(HttpMethod.Post, path, form.Encode(), idempotencyKey, ct);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string pathAndQuery, string? body, string? idempotencyKey, CancellationToken ct)
    {
        var request = new Attempt(this, method, pathAndQuery, body, idempotencyKey);
        // One span per call (its retries inside it), nested in the span of whatever made it.
        using var span = PipelineTelemetry.ActivitySource.StartActivity($"stripe {method} {Endpoint(pathAndQuery)}", System.Diagnostics.ActivityKind.Client);
        span?.SetTag("http.request.method", method.Method);
        span?.SetTag("url.template", Endpoint(pathAndQuery));
        span?.SetTag("stripe.idempotency_key", idempotencyKey);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(OperationKey, idempotencyKey is null ? $"{method} /{pathAndQuery}" : $"{method} /{pathAndQuery} [Idempotency-Key {idempotencyKey}]");
        StripeResponse response;
        try
        {
            response = await _retry.ExecuteAsync(static (ctx, attempt) => attempt.RunAsync(ctx.CancellationToken), context, request);
        }
        catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
        {
            throw new StripeException(0, StripeErrorTypes.ApiConnectionError, null, null, null,
                $"no response from Stripe for {method} /{pathAndQuery} after {_options.AttemptsMax} attempts: {e.Message}",
                null, isRetryable: true, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        span?.SetTag("http.response.status_code", response.Status);
        span?.SetTag("stripe.request_id", response.RequestId);
        if (response.Status is not (>= 200 and < 300)) span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"HTTP {response.Status}");
        if (response.Status is >= 200 and < 300) return Read<T>(response, method, pathAndQuery);
        throw ToException(response);
    }

    /// <summary>
    /// A 2xx body as <typeparamref name="T"/>. One that does not read is a StripeException
    /// naming the field (never a JsonException escaping into a job, which would stop the
    /// worker on every retry): Stripe acted, and the caller decides what an unknown answer means.
    /// </summary>
    private static T Read<T>(StripeResponse response, HttpMethod method, string pathAndQuery)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(response.Body, StripeJson.Options) ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } path ? path : "$";
            throw new StripeException(response.Status, StripeErrorTypes.UnreadableResponse, null, null, where,
                $"Stripe's answer to {method} /{pathAndQuery} does not read as a {typeof(T).Name}: {StripeJson.Problem(e)}",
                response.RequestId, isRetryable: false, e);
        }
    }

    /// <summary>One try at a request: a token from the bucket, then the send under the attempt timeout.</summary>
    private sealed record Attempt(StripeClient Client, HttpMethod Method, string PathAndQuery, string? Body, string? IdempotencyKey)
    {
        public async ValueTask<StripeResponse> RunAsync(CancellationToken ct)
        {
            await Client._bucket.TakeAsync(ct);
            return await Client._attemptTimeout.ExecuteAsync(static (attempt, token) => attempt.SendOnceAsync(token), this, ct);
        }

        private async ValueTask<StripeResponse> SendOnceAsync(CancellationToken ct)
        {
            using var request = new HttpRequestMessage(Method, new Uri(Client._options.BaseAddress, PathAndQuery));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Client._options.SecretKey);
            request.Headers.Add("Stripe-Version", StripeClientOptions.ApiVersion);
            if (IdempotencyKey is not null) request.Headers.Add("Idempotency-Key", IdempotencyKey);
            if (Body is not null) request.Content = new StringContent(Body, Encoding.UTF8, FormContentType);
            HttpResponseMessage response;
            try
            {
                response = await Client._http.SendAsync(request, ct);
            }
            catch
            {
                CountRequest(Method, PathAndQuery, 0);
                throw;
            }
            using var _ = response;
            CountRequest(Method, PathAndQuery, (int)response.StatusCode);
            var text = await response.Content.ReadAsStringAsync(ct);
            return new StripeResponse((int)response.StatusCode, text, Header(response, "Request-Id"), ShouldRetryHeader(response));
        }
    }

    private sealed record StripeResponse(int Status, string Body, string? RequestId, bool? ShouldRetry);

    private static void CountRequest(HttpMethod method, string pathAndQuery, int status) =>
        PipelineTelemetry.StripeRequests.Add(1, new KeyValuePair<string, object?>("endpoint", $"{method.Method} {Endpoint(pathAndQuery)}"),
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

    /// <summary>
    /// Whether a Stripe answer is worth sending again (always under the same idempotency key),
    /// checked in this order: Stripe's own Stripe-Should-Retry: false wins; a 400 (a bad
    /// request, or the key used with other parameters) never succeeds on a resend; a 409 is
    /// Stripe saying that a request with this key is still being processed, so the resend
    /// gets that request's result once it finishes; Stripe-Should-Retry: true; then 429 and 5xx.
    /// </summary>
    public static bool IsRetryable(int httpStatus, bool? stripeShouldRetry)
    {
        if (stripeShouldRetry == false) return false;
        if (httpStatus == 400) return false;
        if (httpStatus == 409) return true;
        if (stripeShouldRetry == true) return true;
        return httpStatus is 429 or >= 500;
    }

    /// <summary>No answer at all: the connection failed, the attempt timed out, or the HttpClient's own timeout struck.</summary>
    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or TimeoutRejectedException or TaskCanceledException { InnerException: TimeoutException };

    private static StripeException ToException(StripeResponse response)
    {
        ErrorBody? error = null;
        try
        {
            error = JsonSerializer.Deserialize<ErrorEnvelope>(response.Body, ErrorJson)?.Error;
        }
        catch (JsonException)
        {
            // Not Stripe's error shape (a proxy's error page, say): reported by status alone.
        }
        return new StripeException(
            response.Status,
            error?.Type ?? StripeErrorTypes.ApiError,
            error?.Code,
            error?.DeclineCode,
            error?.Param,
            error?.Message ?? $"Stripe answered HTTP {response.Status}",
            response.RequestId,
            IsRetryable(response.Status, response.ShouldRetry));
    }

    private static readonly JsonSerializerOptions ErrorJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record ErrorEnvelope(ErrorBody? Error);

    private sealed record ErrorBody(string? Type, string? Code, string? DeclineCode, string? Message, string? Param);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static bool? ShouldRetryHeader(HttpResponseMessage response) =>
        Header(response, "Stripe-Should-Retry") switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        };

    private static string Segment(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Uri.EscapeDataString(id);
    }
}
