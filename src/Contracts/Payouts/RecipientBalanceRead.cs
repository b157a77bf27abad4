namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A winner's connected account as Payout read it from Stripe at <see cref="ReadAt"/>: what it holds per currency and
/// its latest bank payouts (at most <see cref="BankPayoutsMax"/>, newest first). Read again after a prize transfer to
/// the account and after each of its bank payouts Stripe tells of; the read model keeps the latest read for the
/// winner's statement. It moves no money and carries no link.
/// </summary>
public sealed record RecipientBalanceRead(
    string PlayerId,
    string AccountId,
    IReadOnlyList<AccountBalance> Balances,
    IReadOnlyList<AccountBankPayout> BankPayouts,
    DateTimeOffset ReadAt) : IMessage
{
    public const string MessageType = "RecipientBalanceRead";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>How many of the account's bank payouts one read lists (Stripe's newest first).</summary>
    public const int BankPayoutsMax = 20;

    /// <summary>One message per read: the account and when it was read, to the millisecond.</summary>
    public static string MessageIdFor(string accountId, DateTimeOffset readAt) =>
        $"recipient-balance:{accountId}:{readAt.ToUnixTimeMilliseconds()}";
}
