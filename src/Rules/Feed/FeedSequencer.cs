using System.Collections.Immutable;
using System.Text.Json.Serialization;
using ContestPipeline.Rules;

namespace ContestPipeline.Rules.Feed;

/// <summary>
/// One provider event as the sequencer sees it: its per-game sequence number, its message
/// id and a hash of its content. The worker keeps the payload.
/// </summary>
public sealed record FeedItem(long Sequence, string MessageId, string ContentHash);

/// <summary>An event waiting for the gap below it to fill, and when it arrived.</summary>
public sealed record HeldItem(FeedItem Item, DateTimeOffset ReceivedAt);

/// <summary>
/// Sequences <see cref="First"/> to <see cref="Last"/> (inclusive) were given up at <see cref="SkippedAt"/>.
/// </summary>
public sealed record SkippedRange(long First, long Last, DateTimeOffset SkippedAt)
{
    public bool Contains(long sequence) => sequence >= First && sequence <= Last;
}

/// <summary>
/// One game's ordering state, persisted by the worker between messages. Everything below
/// <see cref="NextSequence"/> was applied or skipped; every held event is above it;
/// <see cref="GapSince"/> is set exactly when something is held, and is when the current gap
/// (from <see cref="NextSequence"/> to the lowest held sequence) was first seen.
/// </summary>
public sealed record GameSequence(
    long NextSequence,
    ImmutableSortedDictionary<long, HeldItem> Held,
    DateTimeOffset? GapSince,
    ImmutableList<SkippedRange> Skipped)
{
    /// <summary>A game nothing has arrived for: sequence 1 is expected first.</summary>
    public static GameSequence Start { get; } =
        new(1, ImmutableSortedDictionary<long, HeldItem>.Empty, null, ImmutableList<SkippedRange>.Empty);

    [JsonIgnore]
    public long? LowestHeld => Held.IsEmpty ? null : Held.Keys.First();
}

public enum FeedDropReason
{
    /// <summary>Already applied, or already held with the same content hash: dropped quietly.</summary>
    Duplicate,
    /// <summary>Same sequence as a held event but other content: the held one stays; alert.</summary>
    Conflict,
    /// <summary>
    /// Its sequence was skipped after its gap expired. Not applied: a late, older cumulative total must never overwrite
    /// a newer one.
    /// </summary>
    Late,
    /// <summary>Sequence below 1.</summary>
    SequenceInvalid,
    /// <summary>So far beyond the next expected sequence that it is corrupt, not early.</summary>
    TooFarAhead,
}

/// <summary>An event that will not be applied, why, and a sentence saying so.</summary>
public sealed record FeedDrop(FeedItem Item, FeedDropReason Reason, string Detail);

public enum GapSkipCause
{
    HoldTimeExpired,
    /// <summary>The held events reached their bound, so the gap was given up before its hold time.</summary>
    HeldBoundReached,
}

/// <summary>
/// A gap given up: sequences <see cref="First"/> to <see cref="Last"/> will never be applied. An operator must hear of
/// it.
/// </summary>
public sealed record FeedGap(long First, long Last, DateTimeOffset FirstSeenAt, DateTimeOffset SkippedAt,
    GapSkipCause Cause)
{
    public string Describe(string gameId)
    {
        var which = First == Last ? $"sequence {Show.N(First)}" : $"sequences {Show.N(First)} to {Show.N(Last)}";
        var why = Cause == GapSkipCause.HoldTimeExpired
            ? $"did not arrive between {Show.Time(FirstSeenAt)} and {Show.Time(SkippedAt)}"
            : $"were given up at {Show.Time(SkippedAt)}, missing since {Show.Time(FirstSeenAt)}, because too many " +
                "later events were held";
        return $"game {gameId}: {which} {why}; skipped to sequence {Show.N(Last + 1)}";
    }
}

/// <summary>
/// The result of one step: the new state; the events to apply now, in sequence order; the
/// events that will not be applied; and the gaps given up (each one an alert).
/// </summary>
public sealed record SequencerStep(
    GameSequence State,
    IReadOnlyList<FeedItem> Released,
    IReadOnlyList<FeedDrop> Dropped,
    IReadOnlyList<FeedGap> Gaps);

/// <summary>
/// Puts one game's provider events in sequence order. Pure: the worker persists
/// <see cref="GameSequence"/> and the held payloads, calls <see cref="Offer"/> for each
/// event and <see cref="Tick"/> when <see cref="TickDueAt"/> passes, and applies what is
/// released in the order given.
/// </summary>
/// <remarks>
/// A gap is waited for <see cref="GapHoldTime"/>; then the sequencer skips to the lowest held
/// sequence, records the skipped range and reports the gap. When <see cref="HeldEventsMax"/>
/// events are held and another out-of-order event arrives, the current gap is given up at
/// once (up to the lowest of the held events and the newcomer) instead of dropping an event
/// that may be the only carrier of a game's end: memory stays bounded and nothing that could
/// still be applied is thrown away.
/// </remarks>
public sealed class FeedSequencer
{
    public TimeSpan GapHoldTime { get; init => field = value >= TimeSpan.Zero ? value
        : throw new ArgumentOutOfRangeException(nameof(GapHoldTime)); }
        = TimeSpan.FromMilliseconds(IngestionLimits.FeedGapHoldMs);

    public int HeldEventsMax { get; init => field = value >= 1 ? value
        : throw new ArgumentOutOfRangeException(nameof(HeldEventsMax)); }
        = IngestionLimits.FeedHeldEventsMax;

    public long SequenceAheadMax { get; init => field = value >= 1 ? value
        : throw new ArgumentOutOfRangeException(nameof(SequenceAheadMax)); }
        = IngestionLimits.FeedSequenceAheadMax;

    public int SkippedRangesMax { get; init => field = value >= 1 ? value
        : throw new ArgumentOutOfRangeException(nameof(SkippedRangesMax)); }
        = IngestionLimits.FeedSkippedRangesMax;

    /// <summary>
    /// When the current gap expires and <see cref="Tick"/> should be called; null when there is no gap.
    /// </summary>
    public DateTimeOffset? TickDueAt(GameSequence state) => state.GapSince + GapHoldTime;

    /// <summary>
    /// Takes one event: releases it (and what it unblocks), holds it, or drops it; then gives up any expired gap.
    /// </summary>
    public SequencerStep Offer(GameSequence state, FeedItem item, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        var step = new Step(AssertConsistent(state));
        Place(step, item, now);
        ExpireGaps(step, now);
        return step.Result();
    }

    /// <summary>Gives up every gap whose hold time has passed at <paramref name="now"/>.</summary>
    public SequencerStep Tick(GameSequence state, DateTimeOffset now)
    {
        var step = new Step(AssertConsistent(state));
        ExpireGaps(step, now);
        return step.Result();
    }

    private void Place(Step step, FeedItem item, DateTimeOffset now)
    {
        var s = step.State;
        var seq = item.Sequence;
        if (seq < 1)
        {
            step.Drop(item, FeedDropReason.SequenceInvalid,
                $"sequence {Show.N(seq)} is below 1; the provider numbers each game's events from 1");
            return;
        }
        if (seq < s.NextSequence)
        {
            var skipped = s.Skipped.FindLast(r => r.Contains(seq));
            if (skipped is not null)
                step.Drop(item, FeedDropReason.Late,
                    $"sequence {Show.N(seq)} arrived after it was skipped at {Show.Time(skipped.SkippedAt)}; a late " +
                    "cumulative total must not overwrite a newer one");
            else
                step.Drop(item, FeedDropReason.Duplicate, $"sequence {Show.N(seq)} was already applied");
            return;
        }
        if (s.Held.TryGetValue(seq, out var held))
        {
            if (held.Item.ContentHash == item.ContentHash)
                step.Drop(item, FeedDropReason.Duplicate, $"sequence {Show.N(seq)} is already held");
            else
                step.Drop(item, FeedDropReason.Conflict,
                    $"sequence {Show.N(seq)} ({item.MessageId}, hash {item.ContentHash}) differs from the held " +
                    $"{held.Item.MessageId} (hash {held.Item.ContentHash}); the first received is kept");
            return;
        }
        if (seq - s.NextSequence > SequenceAheadMax)
        {
            step.Drop(item, FeedDropReason.TooFarAhead,
                $"sequence {Show.N(seq)} is more than {Show.N(SequenceAheadMax)} beyond the next expected " +
                $"{Show.N(s.NextSequence)}");
            return;
        }
        if (seq == s.NextSequence)
        {
            step.Released.Add(item);
            step.State = ReleaseRun(s with { NextSequence = seq + 1 }, step);
            return;
        }
        if (s.Held.Count >= HeldEventsMax)
        {
            // Give up the gap below the lowest of the held events and the newcomer; the
            // newcomer is then either next (released) or held in the room just made.
            SkipTo(step, Math.Min(seq, s.LowestHeld!.Value), now, GapSkipCause.HeldBoundReached);
            Place(step, item, now);
            return;
        }
        step.State = s with
        {
            Held = s.Held.Add(seq, new HeldItem(item, now)),
            GapSince = s.GapSince is { } since && since <= now ? since : now,
        };
    }

    private void ExpireGaps(Step step, DateTimeOffset now)
    {
        // Each pass releases at least one held event, so this ends.
        while (step.State.GapSince is { } since && now - since >= GapHoldTime)
            SkipTo(step, step.State.LowestHeld!.Value, now, GapSkipCause.HoldTimeExpired);
    }

    /// <summary>
    /// Skips from the next expected sequence to <paramref name="target"/> and releases the run held from there.
    /// </summary>
    private void SkipTo(Step step, long target, DateTimeOffset now, GapSkipCause cause)
    {
        var s = step.State;
        var first = s.NextSequence;
        var last = target - 1;
        step.Gaps.Add(new FeedGap(first, last, s.GapSince ?? now, now, cause));
        var skipped = s.Skipped.Add(new SkippedRange(first, last, now));
        // Forgetting the oldest range only changes how a very late event is reported
        // (duplicate instead of late); it is not applied either way.
        if (skipped.Count > SkippedRangesMax) skipped = skipped.RemoveRange(0, skipped.Count - SkippedRangesMax);
        step.State = ReleaseRun(s with { NextSequence = target, Skipped = skipped }, step);
    }

    /// <summary>Releases held events while they continue the sequence, and re-dates the gap that remains.</summary>
    private static GameSequence ReleaseRun(GameSequence s, Step step)
    {
        var held = s.Held;
        var next = s.NextSequence;
        while (held.TryGetValue(next, out var h))
        {
            step.Released.Add(h.Item);
            held = held.Remove(next);
            next++;
        }
        if (ReferenceEquals(held, s.Held)) return s with { NextSequence = next };
        // The gap that remains (if any) was first seen when the earliest of the events still
        // held above it arrived: it has been missing since then.
        DateTimeOffset? since = held.IsEmpty ? null : held.Values.Min(v => v.ReceivedAt);
        return s with { NextSequence = next, Held = held, GapSince = since };
    }

    private static GameSequence AssertConsistent(GameSequence s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.NextSequence < 1 || s.Held is null || s.Skipped is null
            || s.Held.IsEmpty != (s.GapSince is null)
            || (!s.Held.IsEmpty && s.Held.Keys.First() <= s.NextSequence))
            throw new InvalidOperationException(
                $"inconsistent feed sequence state: next {s.NextSequence}, {s.Held?.Count} held from " +
                $"{(s.Held is { IsEmpty: false } h ? h.Keys.First() : null)}, gap since {s.GapSince}");
        return s;
    }

    private sealed class Step(GameSequence state)
    {
        public GameSequence State { get; set; } = state;
        public List<FeedItem> Released { get; } = [];
        public List<FeedDrop> Dropped { get; } = [];
        public List<FeedGap> Gaps { get; } = [];

        public void Drop(FeedItem item, FeedDropReason reason, string detail) =>
            Dropped.Add(new FeedDrop(item, reason, detail));

        public SequencerStep Result() => new(State, Released, Dropped, Gaps);
    }
}
