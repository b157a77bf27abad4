namespace ContestPipeline.Stripe;

// Parameters of the create calls. Amounts are integer minor units; currencies ISO codes
// (sent lower-case, as Stripe expects). Metadata travels as metadata[key]=value and comes
// back on the object and its events: callers put their own ids there (payout id, entry id)
// so every Stripe object can be traced to the fact that caused it.

/// <summary>Refund a payment intent; a null amount refunds what is left of it.</summary>
public sealed record RefundCreate(
    string PaymentIntent,
    long? Amount = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>An Express connected account that requests the transfers capability.</summary>
public sealed record AccountCreate(
    string Country,
    string? Email = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>A Stripe-hosted onboarding link for a connected account.</summary>
public sealed record AccountLinkCreate(string Account, string RefreshUrl, string ReturnUrl);

public sealed record TransferCreate(
    long Amount,
    string Currency,
    string Destination,
    string? TransferGroup = null,
    string? Description = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Reverse a transfer; a null amount reverses what is left of it.</summary>
public sealed record TransferReversalCreate(
    long? Amount = null,
    string? Description = null,
    IReadOnlyDictionary<string, string>? Metadata = null);
