using System.Globalization;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// The rules a player's disputes and refunds made outside the pipeline set for payouts. Pure: the callers read the
/// disputes and refunds and act on the answer.
/// <list type="bullet">
/// <item>Review: a payout to a recipient who had one on another of their entry fees within the last
/// <see cref="PayoutOptions.RecentChargebackWindow"/> is held for review, each one named in the reason. The fee
/// behind the prize itself is the freeze's to decide (<see cref="Gates.PayoutGates"/>): it holds until every dispute on
/// it is won.</item>
/// <item>Surge: <see cref="PayoutOptions.DisputeHaltCount"/> disputes, each counted once by its id, within
/// <see cref="PayoutOptions.DisputeHaltWindow"/> of one another halt every payout. Disputes are dated as Stripe
/// dates them, so the answer depends on which disputes there are, never on the order or the number of times
/// their events arrive.</item>
/// </list>
/// </summary>
public static class DisputeRules
{
    /// <summary>
    /// Whether <paramref name="at"/> is within the last <paramref name="window"/> at <paramref name="now"/>: less than
    /// the window ago (a date ahead of the clock is within it). A window of zero holds nothing.
    /// </summary>
    public static bool WithinWindow(DateTimeOffset at, DateTimeOffset now, TimeSpan window) =>
        window > TimeSpan.Zero && now - at < window;

    /// <summary>
    /// The review reason for a payout whose entry fee is <paramref name="ownPaymentIntentId"/>: every dispute and
    /// refund made outside the pipeline on the recipient's other entry fees within the window, oldest first; none
    /// when there is none.
    /// </summary>
    public static IReadOnlyList<string> ReviewReasons(IReadOnlyList<Chargeback> history, string? ownPaymentIntentId,
        PayoutOptions o, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(o);
        var recent = history
            .Where(c => c.PaymentIntentId != ownPaymentIntentId)
            .Where(c => WithinWindow(c.OccurredAt, now, o.RecentChargebackWindow))
            .OrderBy(c => c.OccurredAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
        if (recent.Count == 0) return [];
        var days = o.RecentChargebackWindow.TotalDays.ToString("0", CultureInfo.InvariantCulture);
        return [$"recent dispute or refund: the recipient had {string.Join(", ", recent.Select(Describe))} " +
            $"within the last {days} days"];
    }

    /// <summary>
    /// The most disputes within one window (latest minus earliest less than <paramref name="window"/>) that holds
    /// the dispute dated <paramref name="at"/>; <paramref name="disputes"/> is one date per dispute, that one's
    /// included. Every such window can start at its earliest dispute, which is at or before <paramref name="at"/>.
    /// </summary>
    public static int MostInOneWindow(IReadOnlyCollection<DateTimeOffset> disputes, DateTimeOffset at, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(disputes);
        var most = 0;
        foreach (var start in disputes.Where(t => t <= at && at - t < window))
            most = Math.Max(most, disputes.Count(t => t >= start && t - start < window));
        return most;
    }

    /// <summary>Whether the dispute dated <paramref name="at"/> makes a surge that halts every payout.</summary>
    public static bool IsSurge(IReadOnlyCollection<DateTimeOffset> disputes, DateTimeOffset at, PayoutOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o.DisputeHaltCount > 0 && MostInOneWindow(disputes, at, o.DisputeHaltWindow) >= o.DisputeHaltCount;
    }

    /// <summary>
    /// The id of the halt a surge makes: one per dispute that made it, so a dispute seen again halts nothing more.
    /// </summary>
    public static string HaltIdFor(string disputeId) => "disputes:" + disputeId;

    /// <summary>The operator an automatic halt is recorded with.</summary>
    public const string AutomaticOperator = ContestPipeline.Contracts.Payouts.PayoutRejected.AutomaticOperator;

    private static string Describe(Chargeback c)
    {
        var when = c.OccurredAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return c.Cause == FreezeCause.Disputed
            ? $"dispute {c.Id} on entry fee {c.PaymentIntentId} ({when})"
            : $"a refund outside the pipeline on entry fee {c.PaymentIntentId} ({c.Id}, {when})";
    }
}
