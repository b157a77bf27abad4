namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// How far the relay has published an outbox, kept in the outbox's own schema
/// (<c>outbox_relay</c>, <c>outbox_gaps</c>) instead of on every row it sends: every row above
/// the mark is unsent; every row at or below it is sent, but for the gaps.
/// </summary>
/// <remarks>
/// Ids come from one sequence, handed out in time order, but rows commit in any order: a row
/// with a lower id can become visible after the relay sent higher ones. The relay moves its mark
/// past such an id and keeps it as a gap, with a horizon: the relay's own transaction id, taken
/// after the read that missed it. A writer takes its transaction id before it takes outbox ids
/// (<see cref="OutboxStore"/>), so the transaction holding a gap's id, if any, has an id below that
/// horizon; once the oldest transaction still running is at or above it, the gap can no longer
/// fill, and a read made after that settles it for good. (The read's snapshot xmax is no such
/// horizon: it is one past the last transaction to finish, and the gap's writer may hold an id at
/// or above it while it runs, so that the gap would settle under it.)
/// </remarks>
public static class RelayProgress
{
    /// <summary>What one round changes: the new mark, and the gaps to drop and to add.</summary>
    public sealed record Step(long ReadThrough, IReadOnlyList<OutboxGap> Removed, IReadOnlyList<OutboxGap> Added)
    {
        public bool Changes(long readThrough) => ReadThrough != readThrough || Removed.Count > 0 || Added.Count > 0;
    }

    /// <summary>
    /// The progress after a round that read <paramref name="read"/> (ascending ids: rows found in
    /// gaps, then rows above the mark) and delivered <paramref name="sent"/> of them.
    /// <paramref name="runningFrom"/> is the oldest transaction id still running when the round
    /// began, <paramref name="horizon"/> a transaction id handed out after it read (its own).
    /// </summary>
    public static Step Next(long readThrough, IReadOnlyList<OutboxGap> gaps, IReadOnlyList<long> read,
        IReadOnlySet<long> sent, long runningFrom, long horizon)
    {
        var removed = new List<OutboxGap>();
        var added = new List<OutboxGap>();

        // The mark moves over the new rows delivered in order, and stops before the first that was
        // not: it and every row after it are read again next round (a duplicate is harmless
        // downstream, a lost message is not).
        var mark = readThrough;
        foreach (var id in read)
        {
            if (id <= readThrough) continue;
            if (!sent.Contains(id)) break;
            if (id > mark + 1) added.Add(new OutboxGap(mark + 1, id - 1, horizon));
            mark = id;
        }

        foreach (var gap in gaps)
        {
            var found = read.Where(id => id >= gap.From && id <= gap.To).ToList();
            var settled = gap.Horizon <= runningFrom;
            if (found.Count == 0 && !settled) continue;
            removed.Add(gap);
            if (settled)
            {
                // Nothing more can commit here: only rows read but not delivered stay, to be read again.
                foreach (var id in found.Where(id => !sent.Contains(id))) added.Add(new OutboxGap(id, id, gap.Horizon));
                continue;
            }
            var from = gap.From;
            foreach (var id in found.Where(sent.Contains))
            {
                if (id > from) added.Add(new OutboxGap(from, id - 1, gap.Horizon));
                from = id + 1;
            }
            if (from <= gap.To) added.Add(new OutboxGap(from, gap.To, gap.Horizon));
        }
        return new Step(mark, removed, added);
    }
}
