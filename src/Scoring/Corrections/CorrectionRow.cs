namespace ContestPipeline.Scoring.Corrections;

/// <summary>A stat correction recorded after its contest was COMPLETE.</summary>
public sealed record CorrectionRow(string ContestId, string GameId, long Sequence, string AthleteId, string Stat,
    long? PreviousValue, long CorrectedValue);
