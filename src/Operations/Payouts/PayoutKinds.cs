using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Operations.Payouts;

/// <summary>What a payout pays, as the read model shows it: a prize, or a make-good after a late correction.</summary>
public static class PayoutKinds
{
    public const string Prize = "prize";
    public const string MakeGood = "make_good";

    /// <summary>By its id: a make-good's payout id carries its own prefix.</summary>
    public static string Of(string payoutId) =>
        payoutId.StartsWith(PrizePayoutOrdered.MakeGoodIdPrefix, StringComparison.Ordinal) ? MakeGood : Prize;
}
