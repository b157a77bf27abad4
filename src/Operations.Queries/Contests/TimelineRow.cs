namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>One fact on a contest's timeline.</summary>
public sealed record TimelineRow(string MessageId, DateTimeOffset At, string Kind, string Summary);
