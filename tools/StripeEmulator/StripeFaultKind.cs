namespace ContestPipeline.StripeEmulation;

/// <summary>Faults the emulator can inject into the next requests that match.</summary>
public enum StripeFaultKind
{
    /// <summary>429 rate_limit, before anything is applied.</summary>
    RateLimited,
    /// <summary>500 api_error, before anything is applied.</summary>
    ServerError,
    /// <summary>503 api_error, before anything is applied.</summary>
    ServiceUnavailable,
    /// <summary>
    /// 400 invalid_request_error, before anything is applied: Stripe refuses the request as made (no retry helps).
    /// </summary>
    Refused,
    /// <summary>
    /// The request is applied (and its idempotent result saved), then the connection is dropped without a response.
    /// </summary>
    AppliedThenDropped,
    /// <summary>
    /// The request is applied, then the response is held back for <see cref="StripeFault.Delay"/>: past the
    /// client's timeout.
    /// </summary>
    AppliedThenDelayed,
    /// <summary>The request waits <see cref="StripeFault.Delay"/> before it is handled.</summary>
    Latency,
    /// <summary>
    /// The request starts executing and takes <see cref="StripeFault.Delay"/> to finish, its
    /// Idempotency-Key held in flight meanwhile: a request with the same key gets 409, as from Stripe.
    /// </summary>
    SlowExecution,
    /// <summary>
    /// 409 idempotency_key_in_use, as Stripe answers while another request with the same key is in flight;
    /// nothing is applied.
    /// </summary>
    KeyInFlight,
    /// <summary>
    /// The request is applied with its <c>amount</c> one minor unit more than was asked (and
    /// saved under its key so): a server that made something other than what was asked for.
    /// </summary>
    AppliedWithOtherAmount,
    /// <summary>
    /// 400 balance_insufficient, before anything is applied: Stripe's refusal of a transfer when the platform's
    /// balance was spent elsewhere between the caller's read of it and the transfer.
    /// </summary>
    BalanceInsufficient,
}
