using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Games;

namespace ContestPipeline.Scoring.Contests;

/// <summary>What the referee knows about a contest when it decides whether it moves on.</summary>
/// <param name="CompletesAt">
/// When every covered game is decided under the contest's rule for unfinished games (<see cref="SlateRules"/>): the
/// last decision plus the correction window; null before.
/// </param>
/// <param name="SlateCancel">
/// Why the contest's games cancel it (a game cancelled under the cancel-and-refund rule, or no game played); null when
/// they do not.
/// </param>
public sealed record ContestFacts(
    ContestState State,
    int EntryCount,
    int? EntriesClosedCount,
    int MinEntries,
    bool CancelRequested,
    string? StartedGameId,
    DateTimeOffset? CompletesAt = null,
    string? SlateCancel = null);
