namespace ContestPipeline.StripeEmulation;

/// <summary>
/// One /v1 request as an operation sees it: the endpoint, the API key it came with, its Idempotency-Key (POST
/// only: Stripe ignores the header on reads), its parameters and the Request-Id it is answered under.
/// </summary>
internal sealed record ApiCall(string Method, string Path, string ApiKey, string? IdempotencyKey, ApiParams Params,
    string RequestId);
