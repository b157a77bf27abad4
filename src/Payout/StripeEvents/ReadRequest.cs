namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// An object a Stripe event asked to be read from Stripe as it is now, as the event that asked
/// left it (<see cref="Flagged"/>: a legacy transfer.failed, alerted if the read shows nothing came back;
/// <see cref="Claimed"/>: what the body of a dispute's event said of it, compared with the read).
/// </summary>
public sealed record ReadRequest(string ObjectId, string EventId, bool Flagged, DateTimeOffset RequestedAt,
    string? Claimed = null);
