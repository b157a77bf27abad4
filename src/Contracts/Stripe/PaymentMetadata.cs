namespace ContestPipeline.Contracts.Stripe;

/// <summary>
/// The metadata keys an entry fee's PaymentIntent carries (<see cref="Entries.EntrySubmitted"/>): the contest and the
/// player it pays for. Ingestion matches them to the submission; Payout reads the player for the dispute rules.
/// </summary>
public static class PaymentMetadata
{
    public const string ContestId = "contest_id";
    public const string PlayerId = "player_id";
}
