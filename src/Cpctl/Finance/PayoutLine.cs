namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// A payout as cpctl lists it and as a decision names it: read from Payout's own table, the one source of its
/// version. <see cref="MaybeSent"/>: a transfer may have been sent under its key (marked just before its POST).
/// </summary>
public sealed record PayoutLine(string PayoutId, string ContestId, string PlayerId, long AmountMinor, string Currency,
    string State, string? HoldKind, int Version, string Reason, bool MaybeSent);
