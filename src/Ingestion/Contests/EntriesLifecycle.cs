using ContestPipeline.Plumbing;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>The entries' transition table: open → closed, and open or closed → cancelled.</summary>
public static class EntriesLifecycle
{
    public static TransitionTable<EntriesState> Table { get; } = new("entries",
        new Dictionary<EntriesState, EntriesState[]>
        {
            [EntriesState.Open] = [EntriesState.Closed, EntriesState.Cancelled],
            [EntriesState.Closed] = [EntriesState.Cancelled],
            [EntriesState.Cancelled] = [],
        }, s => s.ToString().ToLowerInvariant());

    public static bool CanTransition(EntriesState from, EntriesState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string contestId, EntriesState from, EntriesState to) =>
        Table.AssertTransition("contest " + contestId, from, to);

    /// <summary>Lower-case name as stored: open, closed, cancelled.</summary>
    public static string Name(EntriesState state) => Table.Name(state);

    public static EntriesState Parse(string contestId, string? name) => Table.Parse("contest " + contestId, name);
}
