using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Stripe;

/// <summary>Stripe's error types (the "type" of an error body), plus the client's own for no response.</summary>
public static class StripeErrorTypes
{
    public const string ApiError = "api_error";
    public const string CardError = "card_error";
    public const string IdempotencyError = "idempotency_error";
    public const string InvalidRequestError = "invalid_request_error";

    /// <summary>No response came back (connection failure or attempt timeout): the request may or may not have been applied.</summary>
    public const string ApiConnectionError = "api_connection_error";

    /// <summary>
    /// The client's own: Stripe answered 2xx but the body does not read as the object the
    /// call returns (the field is in <see cref="StripeException.Param"/>). Stripe did what
    /// was asked; what it answered is not known.
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

    /// <summary>409: another request with the same Idempotency-Key is still being processed. Retried under the same key.</summary>
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
}

/// <summary>
/// A request Stripe refused, or one that got no answer. <see cref="IsRetryable"/> says
/// whether sending it again (always with the same idempotency key) may succeed; the client
/// has already done so up to its attempt bound.
/// </summary>
public sealed class StripeException : Exception, IClassifiedFailure
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

    /// <summary>Stripe answered 2xx with a body that could not be read: it acted, and the field is in <see cref="Param"/>.</summary>
    public bool IsUnreadableAnswer => Type == StripeErrorTypes.UnreadableResponse;

    public StripeException(int httpStatus, string type, string? code, string? declineCode, string? param,
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
}
