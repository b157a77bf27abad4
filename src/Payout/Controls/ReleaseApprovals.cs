namespace ContestPipeline.Payout.Controls;

/// <summary>
/// The two-person rule's counting, pure: the distinct operators whose approvals count toward releasing a
/// hold now. An approval counts only for the hold kind and the payout version it was given for, and only
/// until it expires (<see cref="PayoutOptions.ApprovalLifetime"/> after it was given): one given for a
/// review hold is no approval of a later frozen (dispute) hold, and one given yesterday is none today.
/// Operators are told apart by their verified name, ignoring case as the console's sign-in does, so one
/// operator approving twice is one approval.
/// </summary>
public static class ReleaseApprovals
{
    /// <summary>The distinct operators approving <paramref name="holdKind"/> at <paramref name="version"/>.</summary>
    public static IReadOnlyList<string> Counted(IEnumerable<ReleaseApproval> approvals, string holdKind, int version,
        DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        return
        [
            .. approvals
                .Where(a => a.HoldKind == holdKind && a.PayoutVersion == version && !Expired(a, now, lifetime))
                .OrderBy(a => a.ApprovedAt).ThenBy(a => a.Operator, StringComparer.Ordinal)
                .Select(a => a.Operator).Distinct(StringComparer.OrdinalIgnoreCase),
        ];
    }

    /// <summary>An approval expires <paramref name="lifetime"/> after it was given and counts no more.</summary>
    public static bool Expired(ReleaseApproval approval, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return now >= approval.ApprovedAt + lifetime;
    }

    /// <summary>
    /// When an approval was given: when the operator decided, as the signed decision says, but never later than
    /// Payout recorded it (a decision dated in the future is counted from its arrival).
    /// </summary>
    public static DateTimeOffset GivenAt(DateTimeOffset decidedAt, DateTimeOffset recordedAt) =>
        decidedAt < recordedAt ? decidedAt : recordedAt;
}
