namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Where <see cref="SyncBoardsJob"/> reads each covered game's stats back from, and the latest pending mark
/// when it was taken.
/// </summary>
public sealed record SyncCursor(string[] Games, long[] After, long[] Generations, long Mark);
