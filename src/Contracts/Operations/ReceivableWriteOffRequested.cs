namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// An operator asks that what a winner still owes back of a prize taken back short (its clawback receivable,
/// <c>PrizeClawbackShort</c>) be written off as a loss: the platform stops counting on recovering it (topic
/// <c>operations</c>, key: the contest id). Settlement books the write-off once two different operators have asked
/// for the same payout and the same amount, each request signed within the approval lifetime
/// (<see cref="TwoOperators.Needed"/>); <see cref="AmountMinor"/> must be all the winner still owes on that payout as
/// Settlement has it. Money that comes back of the transfer afterwards is booked as a recovery of the loss.
/// </summary>
public sealed record ReceivableWriteOffRequested(
    string PayoutId,
    string ContestId,
    string PlayerId,
    long AmountMinor,
    string Currency,
    string Operator,
    string Reason,
    DateTimeOffset RequestedAt) : IMessage, IOperatorDecision
{
    public const string MessageType = "ReceivableWriteOffRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    public static string MessageIdFor(string payoutId, string @operator, DateTimeOffset requestedAt) =>
        $"write-off:{payoutId}:{@operator}:{requestedAt.ToUnixTimeMilliseconds()}";
}
