using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Stripe;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// Pure checks for an entry submission; the worker fetches the PaymentIntent and counts entries,
/// then asks.
/// </summary>
public static class EntryChecks
{
    /// <summary>
    /// Decides a submission. <paramref name="payment"/> is the PaymentIntent named by the
    /// submission as Stripe returned it (or as its events told it), or null when Stripe does not
    /// know it. <paramref name="submittedAt"/> is when the entry API accepted the submission: it
    /// is on time if before lockAt, and its record reached the broker
    /// (<paramref name="reachedBrokerAt"/>, when known) no later than lockAt + <paramref name="lockSkew"/>.
    /// When Ingestion gets to it does not matter.
    /// </summary>
    public static EntryDecision Check(EntrySubmitted submission, PaymentIntent? payment, EntryContext context,
        DateTimeOffset submittedAt,
        DateTimeOffset? reachedBrokerAt = null, TimeSpan lockSkew = default)
    {
        var now = submittedAt;
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(context);
        if (payment is not null && payment.Id != submission.PaymentIntentId)
            throw new ArgumentException(
                $"PaymentIntent {payment.Id} was fetched for a submission naming {submission.PaymentIntentId}",
                nameof(payment));
        if (context.PlayerAcceptedEntries < 0 || context.ContestAcceptedEntries < 0)
            throw new ArgumentException("entry counts cannot be negative", nameof(context));

        var (outcome, reason) = Decide(submission, payment, context, now, reachedBrokerAt, lockSkew);
        var refund = RefundsVerifiedPayment(outcome) && IsVerifiedPayment(submission, payment)
            ? new RefundOrdered(
                RefundOrdered.RefundIdFor(submission.PaymentIntentId), submission.ContestId, submission.PlayerId,
                submission.PaymentIntentId, payment!.AmountReceived, payment.Currency.ToUpperInvariant(), reason)
            : null;
        return new EntryDecision(outcome, reason, refund);
    }

    /// <summary>
    /// Whether an outcome refunds the payment when it is verified: succeeded, with metadata
    /// naming this contest and this player, and money received. Those outcomes took a
    /// player's money for this contest and made no entry of it, so the money goes back.
    /// </summary>
    /// <remarks>
    /// The others never refund. <see cref="AlreadyEntered"/> and <see cref="Ok"/> keep the
    /// money as an entry; <see cref="PaymentAlreadyUsed"/> is an entry or a refund already;
    /// <see cref="PaymentNotFound"/> and <see cref="PaymentNotSucceeded"/> took no money.
    /// <see cref="PaymentRefundedOrDisputed"/> has given the money back already, or is in dispute
    /// (a refund beside a chargeback would return it twice).
    /// <see cref="PaymentForAnotherContest"/> and <see cref="PaymentForAnotherPlayer"/> are
    /// not refunded here: the metadata, written at checkout, says what that money paid for,
    /// and it was not this submission. It may be, or become, an accepted entry elsewhere;
    /// refunding it on the word of a submission that does not own it would let anyone who
    /// learns a PaymentIntent id refund another player's live entry. Money paid and never
    /// entered is found and refunded by the daily reconciliation (<see cref="Payments.ReconcilePaymentsJob"/>).
    /// </remarks>
    public static bool RefundsVerifiedPayment(EntryOutcome outcome) => outcome switch
    {
        EntryOutcome.ContestUnknown or EntryOutcome.ContestCancelled or EntryOutcome.ContestClosed
            or EntryOutcome.PaymentAmountMismatch or EntryOutcome.PaymentCurrencyMismatch
            or EntryOutcome.LineupInvalid or EntryOutcome.PlayerExcluded or EntryOutcome.PlayerSpendingLimitReached
            or EntryOutcome.PlayerEntryLimitReached or EntryOutcome.ContestFull => true,
        _ => false,
    };

    private static bool IsVerifiedPayment(EntrySubmitted submission, PaymentIntent? payment) =>
        payment is not null
        && payment.Status == StripeStatuses.Succeeded
        && Metadata(payment, PaymentMetadata.ContestId) == submission.ContestId
        && Metadata(payment, PaymentMetadata.PlayerId) == submission.PlayerId
        && payment.AmountReceived > 0;

    private static string? Metadata(PaymentIntent payment, string key) =>
        payment.Metadata is not null && payment.Metadata.TryGetValue(key, out var value) ? value : null;

    private static (EntryOutcome, string) Decide(EntrySubmitted s, PaymentIntent? payment, EntryContext context,
        DateTimeOffset now, DateTimeOffset? reachedBrokerAt, TimeSpan lockSkew)
    {
        var pi = s.PaymentIntentId;
        if (context.PriorUse is { } prior)
        {
            var sameContestAndPlayer = prior.ContestId == s.ContestId && prior.PlayerId == s.PlayerId;
            if (!prior.Refunded && sameContestAndPlayer && SameLineup(prior.Lineup, s.Lineup))
                return (EntryOutcome.AlreadyEntered,
                    $"PaymentIntent {pi} is already entry {EntrySubmitted.EntryIdFor(pi)} in contest {s.ContestId}");
            return (EntryOutcome.PaymentAlreadyUsed, prior.Refunded
                ? $"PaymentIntent {pi} was already refunded for an earlier submission to contest {prior.ContestId}"
                : $"PaymentIntent {pi} already pays for entry {EntrySubmitted.EntryIdFor(pi)} "
                    + $"in contest {prior.ContestId} for player {prior.PlayerId}"
                    + $"{(sameContestAndPlayer ? " with another lineup" : "")}");
        }

        var contest = context.Contest;
        if (contest is null)
            return (EntryOutcome.ContestUnknown, $"contest {Show.Quote(s.ContestId)} is not a scheduled contest");
        if (contest.ContestId != s.ContestId)
            throw new ArgumentException(
                $"contest {contest.ContestId} was looked up for a submission to {s.ContestId}", nameof(context));
        if (context.Cancelled)
            return (EntryOutcome.ContestCancelled, $"contest {s.ContestId} is cancelled");
        if (Late(s, contest, context, now, reachedBrokerAt, lockSkew) is { } late)
            return (EntryOutcome.ContestClosed, late);
        if (context.EntriesClosed)
            return (EntryOutcome.ContestClosed,
                $"contest {s.ContestId} closed entries before its lockAt {Show.Time(contest.LockAt)}");

        if ((EntrySubmitted.IsFree(pi) ? FreeEntryProblem(s, contest) : PaymentProblem(s, payment, contest))
            is { } paymentProblem)
            return paymentProblem;

        var lineupProblems = LineupProblems(s.Lineup, contest, context.Games);
        if (lineupProblems.Count > 0)
            return (EntryOutcome.LineupInvalid,
                "lineup is invalid: " + string.Join(ContestValidator.ReasonSeparator, lineupProblems));

        if (context.Limits is { } limits && LimitProblem(s, contest, limits, now) is { } limitProblem)
            return limitProblem;
        if (context.PlayerAcceptedEntries >= contest.MaxEntriesPerPlayer)
            return (EntryOutcome.PlayerEntryLimitReached,
                $"player {s.PlayerId} already has {Show.Count(context.PlayerAcceptedEntries, "entry", "entries")} "
                + $"in contest {s.ContestId}; maxEntriesPerPlayer is {Show.N(contest.MaxEntriesPerPlayer)}");
        if (context.ContestAcceptedEntries >= contest.MaxEntries)
            return (EntryOutcome.ContestFull,
                $"contest {s.ContestId} is full: {Show.N(context.ContestAcceptedEntries)} entries "
                + $"of maxEntries {Show.N(contest.MaxEntries)}");
        return (EntryOutcome.Ok, $"entry {EntrySubmitted.EntryIdFor(pi)} accepted in contest {s.ContestId}");
    }

    /// <summary>
    /// Why the player's limits refuse this entry, or null: an exclusion in force when it is decided; or the entry fee
    /// on top of what the player paid on the day (UTC) the submission was made, or in its calendar month, above the
    /// limit.
    /// </summary>
    private static (EntryOutcome, string)? LimitProblem(EntrySubmitted s, ContestDefined contest,
        PlayerLimitCheck check, DateTimeOffset submittedAt)
    {
        var limits = check.Limits;
        if (limits.ExcludedUntil is { } until)
            return (EntryOutcome.PlayerExcluded,
                $"player {s.PlayerId} is in a {limits.Exclusion?.Replace('_', '-')} until {Show.Time(until)}: "
                + "no entry is taken before then");
        var fee = contest.EntryFeeMinor;
        var day = submittedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (check.DaySpentMinor + fee > limits.DailyMinor)
            return (EntryOutcome.PlayerSpendingLimitReached,
                $"player {s.PlayerId} paid {Money.Format(check.DaySpentMinor, contest.Currency)} in entry fees "
                + $"on {day}; "
                + $"this entry's {Money.Format(fee, contest.Currency)} would pass the daily limit of "
                + Money.Format(limits.DailyMinor, contest.Currency));
        if (limits.MonthlyMinor is { } monthly && check.MonthSpentMinor + fee > monthly)
            return (EntryOutcome.PlayerSpendingLimitReached,
                $"player {s.PlayerId} paid {Money.Format(check.MonthSpentMinor, contest.Currency)} in entry fees in "
                + $"{day[..7]}; this entry's {Money.Format(fee, contest.Currency)} would pass the monthly limit of "
                + Money.Format(monthly, contest.Currency));
        return null;
    }

    /// <summary>
    /// What is wrong with a submission that names no payment (<see cref="EntrySubmitted.IsFree"/>), or null: the
    /// contest must be free to enter, and the name its own (<see cref="EntrySubmitted.FreePaymentFor"/>), so one
    /// submission is one entry.
    /// </summary>
    private static (EntryOutcome, string)? FreeEntryProblem(EntrySubmitted s, ContestDefined contest)
    {
        if (contest.EntryFeeMinor != 0)
            return (EntryOutcome.PaymentNotFound, $"{Show.Quote(s.PaymentIntentId)} names no payment, and contest "
                + $"{s.ContestId} is not free to enter: its entry fee is "
                + Money.Format(contest.EntryFeeMinor, contest.Currency));
        var own = EntrySubmitted.FreePaymentFor(s.SubmissionId);
        return s.PaymentIntentId == own ? null : (EntryOutcome.PaymentNotFound,
            $"a free entry names its own submission: {Show.Quote(own)}, not {Show.Quote(s.PaymentIntentId)}");
    }

    /// <summary>
    /// What is wrong with the payment for this submission to this contest, or null when it pays
    /// for it: found, succeeded, its metadata naming this contest and player, its charge neither
    /// refunded nor disputed, the entry fee received in the contest's currency.
    /// </summary>
    private static (EntryOutcome, string)? PaymentProblem(EntrySubmitted s, PaymentIntent? payment,
        ContestDefined contest)
    {
        var pi = s.PaymentIntentId;
        if (payment is null)
            return (EntryOutcome.PaymentNotFound, $"PaymentIntent {Show.Quote(pi)} was not found at Stripe");
        if (payment.Status != StripeStatuses.Succeeded)
            return (EntryOutcome.PaymentNotSucceeded,
                $"PaymentIntent {pi} status is {Show.Quote(payment.Status)}, not '{StripeStatuses.Succeeded}'");
        var paidContest = Metadata(payment, PaymentMetadata.ContestId);
        if (paidContest != s.ContestId)
            return (EntryOutcome.PaymentForAnotherContest, paidContest is null
                ? $"PaymentIntent {pi} metadata has no {PaymentMetadata.ContestId}; expected {Show.Quote(s.ContestId)}"
                : $"PaymentIntent {pi} metadata {PaymentMetadata.ContestId} is {Show.Quote(paidContest)}, "
                    + $"not {Show.Quote(s.ContestId)}");
        var paidPlayer = Metadata(payment, PaymentMetadata.PlayerId);
        if (paidPlayer != s.PlayerId)
            return (EntryOutcome.PaymentForAnotherPlayer, paidPlayer is null
                ? $"PaymentIntent {pi} metadata has no {PaymentMetadata.PlayerId}; expected {Show.Quote(s.PlayerId)}"
                : $"PaymentIntent {pi} metadata {PaymentMetadata.PlayerId} is {Show.Quote(paidPlayer)}, "
                    + $"not {Show.Quote(s.PlayerId)}");
        // amount_received says what was collected, not what stayed: a refund or a dispute of
        // the charge takes it back, so the charge is read with the intent and checked too.
        if (payment.LatestCharge is not { } charge)
            return (EntryOutcome.PaymentRefundedOrDisputed,
                $"PaymentIntent {pi} has no charge that could be read with it "
                + $"(latest_charge {Show.Quote(payment.LatestChargeId)})");
        if (charge.Disputed)
            return (EntryOutcome.PaymentRefundedOrDisputed, $"PaymentIntent {pi}'s charge {charge.Id} is disputed");
        if (charge.Refunded || charge.AmountRefunded > 0)
            return (EntryOutcome.PaymentRefundedOrDisputed,
                $"PaymentIntent {pi}'s charge {charge.Id} was refunded "
                + $"({Show.N(charge.AmountRefunded)} of {Show.N(charge.Amount)})");
        // amount_received, not amount: it is what was actually collected.
        if (payment.AmountReceived != contest.EntryFeeMinor)
            return (EntryOutcome.PaymentAmountMismatch,
                $"PaymentIntent {pi} amount_received {Show.N(payment.AmountReceived)} "
                + $"is not contest {s.ContestId}'s entryFeeMinor {Show.N(contest.EntryFeeMinor)}");
        // Stripe writes currencies in lower case, contests in upper case.
        if (!string.Equals(payment.Currency, contest.Currency, StringComparison.OrdinalIgnoreCase))
            return (EntryOutcome.PaymentCurrencyMismatch,
                $"PaymentIntent {pi} currency {Show.Quote(payment.Currency)} "
                + $"is not contest {s.ContestId}'s currency {contest.Currency}");
        return null;
    }
    /// <summary>
    /// Why the submission is late, or null when it was made on time: entries close at lockAt, or
    /// earlier when a covered game started first; made at or after that, or its record on the
    /// broker after that + the allowed skew, it is late. When it is decided never matters.
    /// </summary>
    private static string? Late(EntrySubmitted s, ContestDefined contest, EntryContext context, DateTimeOffset now,
        DateTimeOffset? reachedBrokerAt, TimeSpan lockSkew)
    {
        var early = context.ClosesEarlyAt is { } started && started < contest.LockAt;
        var closesAt = early ? context.ClosesEarlyAt!.Value : contest.LockAt;
        var closing = early
            ? $"closed entries at {Show.Time(closesAt)}, before its lockAt {Show.Time(contest.LockAt)}, "
                + "when a covered game started"
            : $"locked at {Show.Time(contest.LockAt)}";
        if (now >= closesAt)
            return $"contest {s.ContestId} {closing}; the submission was made at {Show.Time(now)}";
        // The claimed time is the entry API's word; the broker's timestamp bounds it, so a record
        // that arrived after the close (plus the allowed skew) is late whatever time it claims.
        if (reachedBrokerAt is { } brokerAt && brokerAt > closesAt + lockSkew)
            return $"contest {s.ContestId} {closing}; "
                + $"the submission's record reached the broker at {Show.Time(brokerAt)}, "
                + $"after {(early ? "that" : "lockAt")} + {Show.N((long)lockSkew.TotalMilliseconds)} ms allowed skew, "
                + $"though it claims {Show.Time(now)}";
        return null;
    }

    /// <summary>Null and empty are the same lineup (a fitness entry); otherwise order matters, as submitted.</summary>
    private static bool SameLineup(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        (a ?? []).SequenceEqual(b ?? [], StringComparer.Ordinal);

    /// <summary>Every problem with the lineup, in index order, each naming the position and athlete.</summary>
    public static IReadOnlyList<string> LineupProblems(IReadOnlyList<string?>? lineup, ContestDefined contest,
        IReadOnlyDictionary<string, GameInfo> games)
    {
        var problems = new List<string>();
        if (contest.Kind == ContestKinds.Fitness)
        {
            if (lineup is { Count: > 0 })
                problems.Add($"lineup lists {Show.Count(lineup.Count, "athlete", "athletes")}; "
                    + "a fitness challenge takes none, players score their own stats");
            return problems;
        }
        if (lineup is null || lineup.Count == 0)
        {
            problems.Add($"lineup is empty; contest {contest.ContestId} needs exactly "
                + $"{Show.Count(contest.LineupSize, "athlete", "athletes")}");
            return problems;
        }
        if (lineup.Count != contest.LineupSize)
            problems.Add($"lineup has {Show.Count(lineup.Count, "athlete", "athletes")}; "
                + $"contest {contest.ContestId} needs exactly {Show.N(contest.LineupSize)}");
        // Bounded by the check above only when the sizes match, so stop at a sane length
        // rather than describe a hostile list of a million names.
        var examined = Math.Min(lineup.Count, IngestionLimits.FantasyLineupSizeMax * 2);
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < examined; i++)
        {
            var athlete = lineup[i];
            if (string.IsNullOrWhiteSpace(athlete))
            {
                problems.Add($"lineup[{i}] is missing");
                continue;
            }
            if (!firstIndex.TryAdd(athlete, i))
            {
                problems.Add($"lineup[{i}] {Show.Quote(athlete)} repeats lineup[{firstIndex[athlete]}]");
                continue;
            }
            var onRoster = false;
            foreach (var gameId in contest.GameIds)
            {
                if (games.TryGetValue(gameId, out var game) && game.AthleteIds.Contains(athlete))
                {
                    onRoster = true;
                    break;
                }
            }
            if (!onRoster)
                problems.Add($"lineup[{i}] {Show.Quote(athlete)} is not on the roster of any game "
                    + $"of contest {contest.ContestId} ({string.Join(", ", contest.GameIds)})");
        }
        return problems;
    }
}
