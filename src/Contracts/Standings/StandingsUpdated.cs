namespace ContestPipeline.Contracts.Standings;

/// <summary>
/// Live standings (topic <c>standings</c>, key: contest id): the leaders as of <see cref="ComputedAt"/>.
/// <see cref="Version"/> grows while a worker runs and may restart after a restart; order by ComputedAt.
/// </summary>
/// <see cref="AsOf"/> names, per covered game, the highest provider sequence these standings include.
public sealed record StandingsUpdated(string ContestId, long Version, int EntryCount,
    IReadOnlyList<StandingRow> Leaders, DateTimeOffset ComputedAt,
    IReadOnlyDictionary<string, long>? AsOf = null) : IMessage
{
    public const string MessageType = "StandingsUpdated";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const int LeadersMax = 100;
}
