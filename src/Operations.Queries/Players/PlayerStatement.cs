using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// What the platform's backend shows a player: their entries, their winnings and where each
/// payout stands, and totals per currency; and, once Payout has read it, their Stripe account's balance and bank
/// payouts (<see cref="Account"/>, null before). Amounts are integer minor units of their currency.
/// </summary>
public sealed record PlayerStatement(string PlayerId, IReadOnlyList<StatementEntry> Entries,
    IReadOnlyList<StatementPrize> Prizes,
    IReadOnlyList<StatementTotal> Totals,
    StatementAccount? Account = null)
{
    /// <summary>
    /// A payout's state as a player reads it: <c>paid</c>, <c>on_its_way</c> (ordered, being sent),
    /// <c>needs_account</c> (the player must finish onboarding), <c>in_review</c> (held: by an operator or a
    /// limit), <c>problem</c> (failed: an operator is on it), <c>withheld</c> (rejected), or <c>reversed</c>
    /// (paid, then money came back). The pipeline's own states stay internal.
    /// </summary>
    public static string PlayerStatus(string state, long reversedMinor) => state switch
    {
        PayoutStatusNames.Paid when reversedMinor > 0 => "reversed",
        PayoutStatusNames.Paid => "paid",
        PayoutStatusNames.AwaitingAccount => "needs_account",
        PayoutStatusNames.Held => "in_review",
        PayoutStatusNames.Failed => "problem",
        PayoutStatusNames.Rejected => "withheld",
        _ => "on_its_way",
    };

    public static IReadOnlyList<StatementTotal> Total(IEnumerable<StatementPrize> prizes,
        IReadOnlyDictionary<string, long> reversedByPayout) =>
        [.. prizes.GroupBy(p => p.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StatementTotal(g.Key,
            g.Sum(p => p.GrossMinor), g.Sum(p => p.FeeMinor),
            g.Where(p => p.Status is "paid" or "reversed")
                .Sum(p => p.NetMinor - reversedByPayout.GetValueOrDefault(p.PayoutId)),
            g.Where(p => p.Status is not ("paid" or "reversed" or "withheld")).Sum(p => p.NetMinor)))];
}
