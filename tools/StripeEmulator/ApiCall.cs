namespace ContestPipeline.StripeEmulation;

/// <summary>
/// One /v1 request as an operation sees it: the endpoint, the API key it came with (and, for a restricted key, its
/// permissions), its Idempotency-Key (POST only: Stripe ignores the header on reads), its parameters, the
/// Request-Id it is answered under, and the connected account it acts on (its Stripe-Account header), if any.
/// </summary>
internal sealed record ApiCall(string Method, string Path, string ApiKey, RestrictedKey? Restricted,
    string? IdempotencyKey, ApiParams Params, string RequestId, string? Account = null)
{
    /// <summary>
    /// Refuses, with Stripe's 403, a restricted key without <paramref name="permission"/>: for what a call may ask
    /// beyond its endpoint (expanding a charge on a payment intent needs the charges' read permission).
    /// </summary>
    public void Require(string permission)
    {
        if (Restricted is not null && !Restricted.Allows(permission))
            throw ApiKeys.PermissionMissing(ApiKey, permission);
    }
}
