using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Closes entries for contests whose closing time has come (lockAt, or the earlier start of a
/// covered game), announcing each final entry list (EntriesClosed) only once every on-time
/// submission is decided: after the closing time + the allowed skew (a record may reach the
/// broker that late and still count), once the entries consumer has recorded every record that
/// reached the broker by then (so none is still unread), and when no submission made before the
/// closing time is undecided. There is no deadline: a submission made on time is decided on its
/// merits however long that takes, so a slow pipeline never turns a paid on-time entry into a
/// refund. A contest still waiting <see cref="IngestionOptions.CloseWaitAlertAfter"/> after its
/// closing time raises one alert saying what it waits for.
/// </summary>
public sealed class CloseEntriesJob(
    IngestionOptions options, Func<CancellationToken, Task<DateTimeOffset>>? entriesReadTo = null) : IJob
{
    public const int ContestsPerRunMax = 100;
    public const string WaitingAlert = "entries_close_waiting";

    /// <summary>
    /// Contests this process raised the waiting alert for (the alert's id keeps it one alert
    /// anyway).
    /// </summary>
    private readonly HashSet<string> _alerted = new(StringComparer.Ordinal);

    public string Name => "close-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var due = await job.InTransactionAsync(Name + " due",
            c => ContestStore.ContestsDueToCloseAsync(c, ContestsPerRunMax, options.LockSkew, locked: false), ct);
        if (due.Count == 0) return false;
        // Asked after the closing time + skew of every due contest: a record read up to then is a recorded submission.
        var readTo = entriesReadTo is null ? DateTimeOffset.MaxValue : await entriesReadTo(ct);
        return await job.InTransactionAsync(Name, async context =>
        {
            var now = context.Clock.GetUtcNow();
            var closed = 0;
            var claimed = await ContestStore.ContestsDueToCloseAsync(context, ContestsPerRunMax, options.LockSkew,
                locked: true);
            foreach (var (contestId, closesAtUtc) in claimed)
            {
                var closesAt = new DateTimeOffset(DateTime.SpecifyKind(closesAtUtc, DateTimeKind.Utc));
                var recorded = closesAt + options.LockSkew <= readTo;
                if (recorded
                    && !await SubmissionStore.AnyUndecidedOnTimeAsync(context, contestId, closesAt, options.LockSkew))
                {
                    await ContestStore.CloseEntriesAsync(context, Cause.Clock(Name, contestId), contestId);
                    closed++;
                    continue;
                }
                if (now >= closesAt + options.CloseWaitAlertAfter && !_alerted.Contains(contestId))
                    await AlertWaitingAsync(context, contestId, closesAt, recorded);
            }
            return closed > 0 && due.Count >= ContestsPerRunMax;
        }, ct);
    }

    /// <summary>
    /// Tells an operator why a contest's entries are still open past their closing time; nothing is
    /// refused.
    /// </summary>
    private async Task AlertWaitingAsync(TransactionContext context, string contestId, DateTimeOffset closesAt,
        bool recorded)
    {
        var w = await SubmissionStore.WaitingOnTimeAsync(context, contestId, closesAt, options.LockSkew);
        var why = new List<string>();
        if (!recorded)
            why.Add("the entries consumer has not yet recorded every record that reached the broker by "
                + Show.Time(closesAt + options.LockSkew));
        if (w.Undecided > 0)
            why.Add($"{Show.Count(w.Undecided, "submission", "submissions")} made on time "
                + $"{(w.Undecided == 1 ? "is" : "are")} undecided: "
                + $"{Show.N(w.PaymentUnknown)} with no word of their payment yet "
                + $"({Show.N(w.LookupUnanswered)} looked up at Stripe without an answer), "
                + $"{Show.N(w.Undecided - w.PaymentUnknown)} with their payment known and waiting their turn");
        var open = (long)(context.Clock.GetUtcNow() - closesAt).TotalSeconds;
        var message = $"contest {contestId}: entries still open {Show.N(open)} s after they were due to close at "
            + $"{Show.Time(closesAt)}: {string.Join("; ", why)}. EntriesClosed and LOCKED wait for them; "
            + "nothing made on time is refused for lateness.";
        context.Cause = Cause.Clock(Name, contestId);
        context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, WaitingAlert, "contest " + contestId, message,
            dedupeKey: contestId);
        context.Cause = null;
        context.OnCommitted(() => _alerted.Add(contestId));
    }
}
