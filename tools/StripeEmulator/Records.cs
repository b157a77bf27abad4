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
    /// <summary>400 invalid_request_error, before anything is applied: Stripe refuses the request as made (no retry helps).</summary>
    Refused,
    /// <summary>The request is applied (and its idempotent result saved), then the connection is dropped without a response.</summary>
    AppliedThenDropped,
    /// <summary>The request is applied, then the response is held back for <see cref="StripeFault.Delay"/>: past the client's timeout.</summary>
    AppliedThenDelayed,
    /// <summary>The request waits <see cref="StripeFault.Delay"/> before it is handled.</summary>
    Latency,
    /// <summary>
    /// The request starts executing and takes <see cref="StripeFault.Delay"/> to finish, its
    /// Idempotency-Key held in flight meanwhile: a request with the same key gets 409, as from Stripe.
    /// </summary>
    SlowExecution,
    /// <summary>409 idempotency_key_in_use, as Stripe answers while another request with the same key is in flight; nothing is applied.</summary>
    KeyInFlight,
    /// <summary>
    /// The request is applied with its <c>amount</c> one minor unit more than was asked (and
    /// saved under its key so): a server that made something other than what was asked for.
    /// </summary>
    AppliedWithOtherAmount,
}

/// <summary>
/// The next <paramref name="Count"/> requests whose method matches (or "*") and whose path
/// starts with <paramref name="PathPrefix"/> get this fault. <paramref name="ShouldRetry"/>
/// sets Stripe-Should-Retry on error answers.
/// </summary>
public sealed record StripeFault(
    StripeFaultKind Kind,
    string Method,
    string PathPrefix,
    int Count = 1,
    TimeSpan? Delay = null,
    bool? ShouldRetry = null);

/// <summary>The order in which held webhooks are released.</summary>
public enum WebhookOrder
{
    AsCreated,
    Reversed,
    /// <summary>A seeded shuffle: the same seed gives the same order.</summary>
    Shuffled,
}

public sealed record RecordedTransfer(
    string Id, long Amount, string Currency, string Destination, string? TransferGroup,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);

public sealed record RecordedReversal(
    string Id, string Transfer, long Amount, string Currency,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);

public sealed record RecordedRefund(
    string Id, string PaymentIntent, long Amount, string Currency,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);

/// <summary>Every money movement the emulator ever made, for invariant checks ("one transfer per payout").</summary>
public sealed record StripeEmulatorLedger(
    IReadOnlyList<RecordedTransfer> Transfers,
    IReadOnlyList<RecordedReversal> Reversals,
    IReadOnlyList<RecordedRefund> Refunds);

/// <summary>
/// One /v1 request as the emulator answered it. <paramref name="Status"/> is what it decided,
/// also when <paramref name="Fault"/> dropped or delayed the answer; 0 when the client went
/// away during injected latency, before anything was applied. <paramref name="Parameters"/> are
/// its form or query parameters in one canonical text (sorted by name), and
/// <paramref name="StripeVersion"/> the API version it asked for: what a client sent, to compare two clients by.
/// </summary>
public sealed record RecordedRequest(
    string RequestId, string Method, string Path, string? IdempotencyKey, int Status, bool Replayed, StripeFaultKind? Fault,
    string Parameters = "", string? StripeVersion = null);

public sealed record RecordedEvent(string Id, string Type, string? Account, string ObjectId, long Created);

/// <summary>One webhook attempt; <paramref name="Status"/> is 0 when no HTTP answer came back.</summary>
public sealed record WebhookDelivery(string EventId, string EventType, int Attempt, int Status, string? Error);

public sealed record BalanceAmounts(long Available, long Pending);
