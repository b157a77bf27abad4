namespace ContestPipeline.Rules.Ledger;

/// <summary>
/// The ledger's accounts, named so a contest's can be found and summed: Settlement books to
/// them, and the ledger checks (an operator's, cpctl ledger check) read them.
/// </summary>
public static class Accounts
{
    public const string StripeBalance = "platform:stripe_balance";
    public const string RakeRevenue = "platform:rake_revenue";
    public const string FeeRevenue = "platform:fee_revenue";
    public const string HouseTake = "platform:house_take";
    public const string OverlayExpense = "platform:overlay_expense";
    /// <summary>Prizes an operator rejected: never sent, kept by the platform.</summary>
    public const string WithheldPrizes = "platform:withheld_prizes";
    /// <summary>
    /// Payments that never became an entry (late, over a limit, refused), passing through on their way back to the
    /// player.
    /// </summary>
    public const string UnappliedPayments = "platform:unapplied_payments";
    /// <summary>
    /// Money a transfer moved that was not the prize ordered (a quarantined payout): out of the Stripe balance, not yet
    /// to anybody's account as far as the ledger knows, until an operator reconciles it.
    /// </summary>
    public const string TransfersInQuestion = "platform:transfers_in_question";
    /// <summary>
    /// What disputes of payments have withdrawn from the Stripe balance and not reinstated, while they are open: the
    /// card network holds it. A dispute won comes back to the Stripe balance; one lost becomes a loss.
    /// </summary>
    public const string DisputedFunds = "platform:disputed_funds";
    /// <summary>
    /// Stripe's processing fees on payments (what it kept of each charge): an expense. A refund does not give them
    /// back, so a payment refunded in full still costs its fee.
    /// </summary>
    public const string PaymentFees = "platform:payment_fees";
    /// <summary>Stripe's fees for disputes (less any it gave back): an expense.</summary>
    public const string DisputeFees = "platform:dispute_fees";
    /// <summary>Payments taken back by disputes the platform lost: an expense.</summary>
    public const string DisputeLosses = "platform:dispute_losses";
    /// <summary>
    /// What winners owed back that two operators wrote off (a clawback receivable given up): a loss, lowered by what
    /// comes back of the transfers afterwards.
    /// </summary>
    public const string BadDebt = "platform:bad_debt";
    /// <summary>
    /// What a sponsor's guaranteed contests drew beyond their entry fees (their overlays): the platform paid those
    /// prizes from its balance like any other, and this is what it invoices the sponsor.
    /// </summary>
    public static string SponsorFunding(string sponsorId) => $"{SponsorPrefix}{sponsorId}{SponsorFundingSuffix}";

    /// <summary>Whether <paramref name="account"/> is a sponsor's funding account.</summary>
    public static bool IsSponsorFunding(string account) =>
        account.StartsWith(SponsorPrefix, StringComparison.Ordinal)
        && account.EndsWith(SponsorFundingSuffix, StringComparison.Ordinal);

    /// <summary>Every sponsor's funding account, as a SQL LIKE pattern.</summary>
    public const string SponsorFundingLike = SponsorPrefix + "%" + SponsorFundingSuffix;

    private const string SponsorPrefix = "sponsor:";
    private const string SponsorFundingSuffix = ":funding";
    public static string EntryFees(string contestId) => $"contest:{contestId}:entry_fees";
    public static string PrizePool(string contestId) => $"contest:{contestId}:prize_pool";
    public static string PrizesPayable(string playerId) => $"player:{playerId}:prizes_payable";
    /// <summary>
    /// What a winner owes back of a prize taken back that their connected account could not cover: withheld, not yet
    /// on the platform's balance; money that comes back of the prize's transfer later pays it down.
    /// </summary>
    public static string ClawbackReceivable(string playerId) => $"player:{playerId}:clawback_receivable";
}
