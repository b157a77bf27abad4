namespace ContestPipeline.Contracts.Standings;

/// <summary>
/// A stat correction that arrived after the contest was COMPLETE; <see cref="PreviousValue"/> is null for a stat first
/// seen then.
/// </summary>
public sealed record StatCorrectionRecorded(string GameId, long Sequence, string AthleteId, string Stat,
    long? PreviousValue, long CorrectedValue);
