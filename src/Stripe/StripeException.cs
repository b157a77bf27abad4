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
