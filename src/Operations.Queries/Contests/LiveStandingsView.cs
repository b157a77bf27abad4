using System.Text.Json;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>A contest's newest live standings: its version, entries ranked, when computed, and the leaders.</summary>
public sealed record LiveStandingsView(long Version, int EntryCount, DateTimeOffset ComputedAt, string Leaders)
{
    public IReadOnlyList<StandingRow> Rows =>
        JsonSerializer.Deserialize<List<StandingRow>>(Leaders, OutgoingMessage.Json) ?? [];
}
