using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// The two-person rule for cancelling a contest: cancelling one with paid entries refunds every
/// fee, so it takes requests from two different operators; one without entries moves no money,
/// and one request is enough. Operators are told apart by name, as they sign their decisions.
/// A request counts for <see cref="IngestionOptions.CancelApprovalLifetime"/> (24 h by default)
/// from when its operator signed it (never later than Ingestion recorded it): a stale first request
/// and a fresh second one do not cancel, so the two operators must agree within that time.
/// </summary>
public static class CancelApprovals
{
    /// <summary>One operator's recorded request, as of when Ingestion recorded it.</summary>
    public sealed record Request(string Operator, string Reason, DateTimeOffset RequestedAt);

    /// <summary>Whether the cancel applies, given the contest's accepted entries and the operators who asked.</summary>
    public static bool Applies(int entryCount, IReadOnlyCollection<string> operators) =>
        operators.Count >= (entryCount > 0 ? TwoOperators.Needed : 1);

    /// <summary>
    /// Whether a request made at <paramref name="requestedAt"/> still counts at
    /// <paramref name="now"/>.
    /// </summary>
    public static bool Live(DateTimeOffset requestedAt, DateTimeOffset now, TimeSpan lifetime) =>
        now - requestedAt < lifetime;

    /// <summary>The requests that still count at <paramref name="now"/>, in the order given.</summary>
    public static IReadOnlyList<Request> Live(IEnumerable<Request> requests, DateTimeOffset now, TimeSpan lifetime) =>
        [.. requests.Where(r => Live(r.RequestedAt, now, lifetime))];

    /// <summary>
    /// What the alert says while a cancel waits for a second operator: until when this request counts, and which
    /// earlier requests (if any) expired unanswered and no longer count.
    /// </summary>
    public static string Awaiting(ContestCancelRequested request, int entryCount, IReadOnlyCollection<Request> requests,
        DateTimeOffset now, TimeSpan lifetime)
    {
        var own = requests.FirstOrDefault(r => r.Operator == request.RequestedBy)?.RequestedAt ?? now;
        var expired = requests.Where(r => !Live(r.RequestedAt, now, lifetime)).ToList();
        var text = $"cancel of contest {request.ContestId} requested by {request.RequestedBy} ({request.Reason}); "
            + $"it has {entryCount} paid entries, so a second, different operator must also cancel it within "
            + $"{DecisionAge.Describe(lifetime)} (by {DecisionAge.Stamp(own + lifetime)}) before anything is refunded; "
            + $"a request expires {DecisionAge.Describe(lifetime)} after it was made";
        if (expired.Count > 0)
            text += "; expired unanswered and no longer counting: " + string.Join(", ",
                expired.Select(r => $"{r.Operator}'s request of {DecisionAge.Stamp(r.RequestedAt)}"));
        return text;
    }
}
