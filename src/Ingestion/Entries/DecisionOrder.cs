namespace ContestPipeline.Ingestion.Entries;

/// <summary>A submission still waiting for its payment to be known, made before some that can be decided.</summary>
public sealed record WaitingSubmission(string SubmissionId, string PlayerId, DateTimeOffset SubmittedAt);

/// <summary>
/// Keeps a contest's decisions a function of the order submissions were made in, not of the order
/// their payments became known. Submissions are decided in the order they were made; one whose
/// payment is not known yet cannot be decided, and a later one must then wait for it whenever its
/// own outcome could depend on it: the same player is at the per-player limit counting the earlier
/// one, or the contest is full counting every earlier one still waiting. Otherwise which of a
/// player's two entries is refused, or who gets the last places of a full contest, would depend on
/// which webhook Stripe delivered first. A submission that waits counts as waiting for those after it.
/// Nothing waits forever: a payment not heard of is looked up at Stripe (<c>VerifyPaymentsJob</c>).
/// </summary>
public sealed class DecisionOrder
{
    private readonly IReadOnlyList<WaitingSubmission> _waiting;
    private readonly int _maxEntries;
    private readonly int _maxPerPlayer;
    private readonly Dictionary<string, int> _waitingByPlayer = new(StringComparer.Ordinal);
    private int _next;
    private int _waitingBefore;

    /// <param name="waiting">The contest's waiting submissions, in the order they were made.</param>
    public DecisionOrder(IReadOnlyList<WaitingSubmission> waiting, int maxEntries, int maxEntriesPerPlayer)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        _waiting = waiting;
        _maxEntries = maxEntries;
        _maxPerPlayer = maxEntriesPerPlayer;
    }

    /// <summary>
    /// Nothing waits: for a contest whose outcomes depend on no count (none scheduled, closed,
    /// cancelled).
    /// </summary>
    public static DecisionOrder None { get; } = new([], int.MaxValue, int.MaxValue);

    /// <summary>
    /// Whether the submission must wait for an earlier one; asked in the order the submissions were
    /// made, with the counts of entries accepted so far. A submission made at the same instant as a
    /// waiting one counts that one as earlier: when in doubt, wait.
    /// </summary>
    public bool MustWait(string playerId, DateTimeOffset submittedAt, int playerAccepted, int contestAccepted)
    {
        while (_next < _waiting.Count && _waiting[_next].SubmittedAt <= submittedAt)
            CountAsWaiting(_waiting[_next++].PlayerId);
        var samePlayer = _waitingByPlayer.GetValueOrDefault(playerId);
        var wait = (samePlayer > 0 && playerAccepted + samePlayer >= _maxPerPlayer)
            || (_waitingBefore > 0 && contestAccepted + _waitingBefore >= _maxEntries);
        if (wait) CountAsWaiting(playerId);
        return wait;
    }

    private void CountAsWaiting(string playerId)
    {
        _waitingBefore++;
        _waitingByPlayer[playerId] = _waitingByPlayer.GetValueOrDefault(playerId) + 1;
    }
}
