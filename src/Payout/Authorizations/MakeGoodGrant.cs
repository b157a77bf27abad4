namespace ContestPipeline.Payout.Authorizations;

/// <summary>
/// What the operators' seals allow one make-good payout: its entry and player, and the most the entry's make-goods
/// may come to together (<see cref="CreditMinor"/>: the corrected net prize less the official one).
/// </summary>
public sealed record MakeGoodGrant(string PayoutId, string ContestId, string EntryId, string PlayerId, long CreditMinor,
    string Currency, string ProposalId, string SealedBy);
