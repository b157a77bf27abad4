namespace ContestPipeline.Scoring.Games;

/// <summary>
/// What a fact of a game's life says happened to it; stored in lower case (started, postponed, suspended,
/// resumed, ended, cancelled), as the game_phases table's check constraint lists them.
/// </summary>
public enum GamePhaseKind
{
    Started,
    Postponed,
    Suspended,
    Resumed,
    Ended,
    Cancelled,
}
