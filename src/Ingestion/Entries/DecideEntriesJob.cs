using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Ingestion.Players;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules.Players;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// Decides recorded submissions whose payment is known (Stripe's events, or a GET's answer), a
/// contest at a time under its row lock, by <see cref="EntryChecks"/> in its fixed precedence
/// and in the order the submissions were made. Time is judged by when each was made (and when
/// its record reached the broker), never by when this job got to it: a submission made on time
/// is decided on its merits however late this is. Each decision is published
/// as the submission's own consequence (causation: the EntrySubmitted), a rejection with its
/// reason, and a refund ordered exactly once where the payment was verified.
/// </summary>
public sealed class DecideEntriesJob(IngestionOptions options) : IJob
{
    public const int ContestsPerRunMax = 10;

    public string Name => "decide-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a contest whose decidable submissions all wait for earlier ones (<see cref="DecisionOrder"/>)
    /// is left out of the rounds, so it cannot hold the contests after it in the queue.
    /// </summary>
    public static readonly TimeSpan RestWhenAllWait = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, DateTimeOffset> _resting = new(StringComparer.Ordinal);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var now = context.Clock.GetUtcNow();
        string[] resting;
        lock (_resting)
        {
            foreach (var (id, until) in _resting.ToList())
                if (until <= now) _resting.Remove(id);
            resting = [.. _resting.Keys];
        }
        var contests = await SubmissionStore.ContestsWithDecidableAsync(context, ContestsPerRunMax, resting);
        // Once a round, for every contest's decision in it (not on rounds that find nothing to decide).
        if (contests.Count > 0) await SubmissionStore.PlanReadsInMemoryAsync(context);
        var full = false;
        var decidedAny = false;
        var locked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var contestId in contests)
        {
            var decided = await DecideAsync(context, contestId, locked);
            if (decided < 0)
            {
                // Its players would take this transaction past the locks it may hold: the next run, at once.
                full = true;
                continue;
            }
            full |= decided >= options.DecideBatchSize;
            decidedAny |= decided > 0;
            if (decided == 0)
                lock (_resting) _resting[contestId] = now + RestWhenAllWait;
        }
        return full || (decidedAny && contests.Count >= ContestsPerRunMax);
    }, ct);

    /// <summary>
    /// The most players' locks one transaction takes (a round of one contest takes its players' at least): each is an
    /// entry in Postgres's shared lock table, sized by max_locks_per_transaction × max_connections.
    /// </summary>
    public const int PlayerLocksPerRunMax = 2_000;

    /// <summary>
    /// Decides what can be decided of one contest's undecided submissions; returns how many were
    /// decided (so a round whose submissions all wait for earlier ones is not run again at once), or -1 when its
    /// players' locks would take the transaction past <see cref="PlayerLocksPerRunMax"/> (<paramref name="locked"/>:
    /// the players this transaction holds already).
    /// </summary>
    public async Task<int> DecideAsync(TransactionContext context, string contestId, HashSet<string> locked)
    {
        ArgumentNullException.ThrowIfNull(locked);
        var contest = await ContestStore.ContestForUpdateAsync(context, contestId);
        var pending = await SubmissionStore.DecidableAsync(context, contestId, options.DecideBatchSize);
        if (pending.Count == 0) return 0;
        var definition = contest?.Parse();
        if (definition is not null && await LockPlayersAsync(context, pending, locked) is { } notNow) return notNow;
        var uses = await SubmissionStore.PriorUsesAsync(context, [.. pending.Select(p => p.PaymentIntentId)]);
        var playerCounts = contest is null
            ? []
            : await SubmissionStore.PlayerEntryCountsAsync(context, contestId, [.. pending.Select(p => p.PlayerId)]);
        var games = definition is null
            ? new Dictionary<string, GameInfo>()
            : await GameStore.KnownGamesAsync(context, definition.GameIds);
        var players = pending.Select(p => p.PlayerId).Distinct(StringComparer.Ordinal).ToArray();
        var limits = definition is null ? [] : await PlayerLimitStore.LimitsAsync(context, players);
        var spend = definition is null ? new PlayerSpend()
            : await PlayerLimitStore.SpendAsync(context, players,
                pending.Min(p => PlayerSpend.MonthStart(p.SubmittedAt)));
        var contestCount = contest?.EntryCount ?? 0;
        var status = contest?.State;
        var order = definition is null || status != EntriesState.Open
            ? DecisionOrder.None
            : await OrderAsync(context, contestId, definition, pending, contestCount);
        var now = context.Clock.GetUtcNow();
        var d = new SubmissionStore.Decisions();

        foreach (var p in pending)
        {
            uses.TryGetValue(p.PaymentIntentId, out var prior);
            if (prior is null && !p.PaymentReady) continue;
            var playerEntries = playerCounts.GetValueOrDefault(p.PlayerId);
            if (prior is null && order.MustWait(p.PlayerId, p.SubmittedAt, playerEntries, contestCount)) continue;
            var submission = p.Submission;
            var payment = prior is null ? p.Payment() : null;
            var limitCheck = definition is null ? null : new PlayerLimitCheck(
                LimitRules.Effective(limits.GetValueOrDefault(p.PlayerId), now, options.Limits),
                spend.Day(p.PlayerId, p.SubmittedAt, definition.Currency),
                spend.Month(p.PlayerId, p.SubmittedAt, definition.Currency));
            var decision = EntryChecks.Check(submission, payment,
                new EntryContext(definition, status == EntriesState.Cancelled, status == EntriesState.Closed, games,
                    playerEntries, contestCount, prior, contest?.ClosesEarlyAt, limitCheck),
                p.SubmittedAt, p.BrokerAt, options.LockSkew);
            d.Decided.Add((p.SubmissionId, decision.Outcome.ToString()));
            var cause = Cause.Recorded(p.CorrelationId, p.MessageId);
            if (decision.Outcome == EntryOutcome.AlreadyEntered) continue;
            if (decision.Accepted)
            {
                // A free entry (checked: its contest's fee is 0) paid nothing.
                var entry = new EntryAccepted(EntrySubmitted.EntryIdFor(p.PaymentIntentId), contestId, p.PlayerId,
                    p.PaymentIntentId, EntrySubmitted.IsFree(p.PaymentIntentId) ? 0 : payment!.AmountReceived,
                    definition!.Currency, p.Lineup, now);
                d.Entries.Add((entry, p.SubmittedAt));
                spend.Add(p.PlayerId, p.SubmittedAt, entry.AmountMinor, entry.Currency);
                uses[p.PaymentIntentId] = new PaymentUse(contestId, p.PlayerId, p.Lineup, Refunded: false);
                playerCounts[p.PlayerId] = playerEntries + 1;
                contestCount++;
                context.Publish(cause, Topics.ContestLifecycle, contestId, EntryAccepted.MessageIdFor(entry.EntryId),
                    entry);
                continue;
            }
            Reject(context, d, uses, cause, submission, decision);
        }
        await SubmissionStore.SaveAsync(context, contestId, d, contest is not null);
        var outcomes = d.Decided.Select(x => JsonNamingPolicy.SnakeCaseLower.ConvertName(x.Outcome)).ToList();
        context.OnCommitted(() => outcomes.ForEach(PipelineTelemetry.EntryDecided));
        return d.Decided.Count;
    }

    /// <summary>
    /// A player's limits count fees across contests, so a round takes its players' locks (those this transaction does
    /// not hold yet): null when it has them; 0 when another transaction holds one (the round decides nothing now, and
    /// the contest rests); -1 when they would take the transaction past <see cref="PlayerLocksPerRunMax"/>.
    /// </summary>
    private static async Task<int?> LockPlayersAsync(TransactionContext context,
        IReadOnlyList<SubmissionStore.Pending> pending, HashSet<string> locked)
    {
        var unlocked = pending.Select(p => p.PlayerId).Where(p => !locked.Contains(p))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (locked.Count > 0 && locked.Count + unlocked.Length > PlayerLocksPerRunMax) return -1;
        if (!await PlayerLimitStore.TryLockAsync(context, unlocked)) return 0;
        locked.UnionWith(unlocked);
        return null;
    }

    /// <summary>
    /// What the decidable submissions must wait for (<see cref="DecisionOrder"/>): the waiting
    /// submissions of their players made before them, and every waiting one when the contest could
    /// fill up before the last of them (more undecided submissions than places left).
    /// </summary>
    private static async Task<DecisionOrder> OrderAsync(TransactionContext context, string contestId,
        ContestDefined definition,
        IReadOnlyList<SubmissionStore.Pending> pending, int contestCount)
    {
        var room = Math.Max(0, definition.MaxEntries - contestCount);
        var couldFill = await SubmissionStore.UndecidedUpToAsync(context, contestId, room + 1) > room;
        var waiting = await SubmissionStore.WaitingAsync(context, contestId, pending, everyPlayer: couldFill,
            limit: couldFill ? Math.Max(room, 1) : WaitingPerRoundMax);
        return new DecisionOrder(waiting, definition.MaxEntries, definition.MaxEntriesPerPlayer);
    }

    /// <summary>Bounds the waiting submissions of a round's players read at once (a few each, in practice).</summary>
    private const int WaitingPerRoundMax = 10_000;

    /// <summary>Records a rejection (and its refund, once per PaymentIntent) and publishes both.</summary>
    private static void Reject(TransactionContext context, SubmissionStore.Decisions d,
        Dictionary<string, PaymentUse> uses, Cause cause,
        EntrySubmitted s, EntryDecision decision)
    {
        string? refundId = null;
        if (decision.Refund is { } refund && !uses.ContainsKey(s.PaymentIntentId))
        {
            d.Refunds.Add(refund);
            uses[s.PaymentIntentId] = new PaymentUse(s.ContestId, s.PlayerId, null, Refunded: true);
            context.Publish(cause, Topics.PayoutsDue, s.ContestId, refund.RefundId, refund);
            refundId = refund.RefundId;
        }
        else if (decision.Refund is not null)
        {
            refundId = decision.Refund.RefundId;
        }
        d.Rejections.Add((s, decision.Reason, refundId));
        context.Publish(cause, Topics.ContestLifecycle, s.ContestId, EntryRejected.MessageIdFor(s.SubmissionId),
            new EntryRejected(s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, decision.Reason, refundId));
    }
}
