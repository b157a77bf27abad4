namespace ContestPipeline.StripeEmulation;

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
