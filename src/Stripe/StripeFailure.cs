using System.Net;
using ContestPipeline.Plumbing.Messaging;
using Polly.Timeout;

namespace ContestPipeline.Stripe;

/// <summary>
/// Stripe's error types (the "type" of an error body), plus the pipeline's own for no answer and an unreadable one.
/// </summary>
public static class StripeErrorTypes
{
    public const string ApiError = "api_error";
    public const string CardError = "card_error";
    public const string IdempotencyError = "idempotency_error";
    public const string InvalidRequestError = "invalid_request_error";

    /// <summary>
    /// No response came back (connection failure or attempt timeout): the request may or may not have been applied.
    /// </summary>
    public const string ApiConnectionError = "api_connection_error";

    /// <summary>
    /// The pipeline's own: Stripe answered 2xx but the body does not read as the object the call
    /// returns, or lacks a field the pipeline relies on (named in <see cref="StripeFailure.Param"/>).
    /// Stripe did what was asked; what it answered is not known.
    /// </summary>
    public const string UnreadableResponse = "unreadable_response";
}

/// <summary>Error codes of Stripe's that callers branch on.</summary>
public static class StripeErrorCodes
{
    public const string BalanceInsufficient = "balance_insufficient";
    public const string RateLimit = "rate_limit";
    public const string ResourceMissing = "resource_missing";
    public const string AmountTooLarge = "amount_too_large";
    public const string ChargeAlreadyRefunded = "charge_already_refunded";
    public const string InsufficientCapabilitiesForTransfer = "insufficient_capabilities_for_transfer";
    public const string ParameterMissing = "parameter_missing";
    public const string ParameterUnknown = "parameter_unknown";
    public const string ParameterInvalidInteger = "parameter_invalid_integer";

    /// <summary>
    /// 409: another request with the same Idempotency-Key is still being processed. Retried under the same key.
    /// </summary>
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
}

/// <summary>
/// What became of a Stripe call that did not succeed, classified once for every caller from what
/// Stripe.net threw (<see cref="global::Stripe.StripeException"/>) or the network did
/// (<see cref="HttpRequestException"/>, an attempt's timeout): a final refusal, a failure worth
/// retrying under the same idempotency key, or an answer that could not be read.
/// <see cref="IsRetryable"/> says whether sending it again (always with the same key) may succeed;
/// <see cref="StripeApi"/> has already done so up to its attempt bound.
/// </summary>
public sealed class StripeFailure : Exception, IClassifiedFailure
{
    /// <summary>The HTTP status, or 0 when no response came back.</summary>
    public int HttpStatus { get; }
    public string Type { get; }
    public string? Code { get; }
    public string? DeclineCode { get; }
    public string? Param { get; }

    /// <summary>Stripe's Request-Id of the last attempt, for support tickets and the logs.</summary>
    public string? RequestId { get; }

    public bool IsRetryable { get; }

    /// <summary>
    /// Stripe answered, and its answer is final for this idempotency key: it refused the
    /// request outright (400, 402, 404), so nothing was made under the key and nothing ever
    /// will be (Stripe replays the refusal for 24 hours). Only such a refusal lets a caller
    /// try again under a new key. Not final: no answer, 429, 5xx, 409 (the key is still in
    /// flight), an idempotency_error (the key was used with other parameters: something may
    /// exist under it), an authentication failure, and a 2xx that could not be read.
    /// </summary>
    public bool IsFinalRefusal => HttpStatus is 400 or 402 or 404 && Type != StripeErrorTypes.IdempotencyError;

    /// <summary>
    /// Stripe answered 2xx with a body that could not be read: it acted, and the field is in <see cref="Param"/>.
    /// </summary>
    public bool IsUnreadableAnswer => Type == StripeErrorTypes.UnreadableResponse;

    public StripeFailure(int httpStatus, string type, string? code, string? declineCode, string? param,
        string message, string? requestId, bool isRetryable, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        Type = type;
        Code = code;
        DeclineCode = declineCode;
        Param = param;
        RequestId = requestId;
        IsRetryable = isRetryable;
    }

    /// <summary>
    /// Where no caller handled it: a retryable failure is transient (Stripe is unavailable for
    /// now, waited out); any other is a bug in the request or the configuration (a bad key),
    /// which stops the worker loudly.
    /// </summary>
    public FailureKind Kind => IsRetryable ? FailureKind.Transient : FailureKind.Bug;

    /// <summary>One line for reasons and logs: type, code, status and Stripe's message.</summary>
    public string Summary => $"{Type}{(Code is null ? "" : "/" + Code)} (HTTP {HttpStatus}): {Message}";

    /// <summary>
    /// The failure a call ended in, or null for an exception that is not about Stripe's answer
    /// (a bug, or the caller's own cancellation), which goes on as it is.
    /// </summary>
    public static StripeFailure? Classify(Exception e, string operation, CancellationToken ct) => e switch
    {
        StripeFailure failure => failure,
        global::Stripe.StripeException stripe => FromStripe(stripe, operation),
        HttpRequestException or TimeoutRejectedException => NoAnswer(e, operation),
        // The HttpClient's own timeout (not the caller's cancellation): no answer either.
        OperationCanceledException when !ct.IsCancellationRequested => NoAnswer(e, operation),
        _ => null,
    };

    private static StripeFailure NoAnswer(Exception e, string operation) =>
        new(0, StripeErrorTypes.ApiConnectionError, null, null, null,
            $"no answer from Stripe for {operation}: {e.Message}",
            null, isRetryable: true, e);

    /// <summary>
    /// Stripe.net's exception: an error body (its type, code and param), a 2xx it could not read
    /// (unreadable), or an answer that is not Stripe's error shape (a proxy's page: by status alone).
    /// </summary>
    private static StripeFailure FromStripe(global::Stripe.StripeException e, string operation)
    {
        var status = (int)e.HttpStatusCode;
        var response = e.StripeResponse;
        var requestId = response?.RequestId;
        if (status is >= 200 and < 300)
            return new StripeFailure(status, StripeErrorTypes.UnreadableResponse, null, null, "$",
                $"Stripe's answer to {operation} does not read: {e.Message}", requestId, isRetryable: false, e);
        if (status == 0)
            return NoAnswer(e, operation);
        var error = e.StripeError;
        var shouldRetry = ShouldRetryHeader(response?.Headers);
        return new StripeFailure(status, error?.Type ?? StripeErrorTypes.ApiError, error?.Code, error?.DeclineCode,
            error?.Param,
            error?.Message ?? $"Stripe answered HTTP {status} to {operation}", requestId,
            WorthRetrying(status, shouldRetry), e);
    }

    /// <summary>
    /// Whether a Stripe answer is worth sending again (always under the same idempotency key),
    /// checked in this order: Stripe's own Stripe-Should-Retry: false wins; a 400 (a bad
    /// request, or the key used with other parameters) never succeeds on a resend; a 409 is
    /// Stripe saying that a request with this key is still being processed, so the resend
    /// gets that request's result once it finishes; Stripe-Should-Retry: true; then 429 and 5xx.
    /// </summary>
    public static bool WorthRetrying(int httpStatus, bool? stripeShouldRetry)
    {
        if (stripeShouldRetry == false) return false;
        if (httpStatus == 400) return false;
        if (httpStatus == (int)HttpStatusCode.Conflict) return true;
        if (stripeShouldRetry == true) return true;
        return httpStatus is 429 or >= 500;
    }

    private static bool? ShouldRetryHeader(System.Net.Http.Headers.HttpResponseHeaders? headers) =>
        headers is not null && headers.TryGetValues("Stripe-Should-Retry", out var values)
            ? values.FirstOrDefault() switch { "true" => true, "false" => false, _ => null }
            : null;
}
