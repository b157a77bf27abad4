using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

// The contest's timeline (topic contest.lifecycle, key: contest id). Ingestion publishes
// what it accepted (ContestScheduled, EntryAccepted, EntryRejected, EntriesClosed); Scoring,
// the referee, publishes the state transitions up to COMPLETE (and CANCELLED when a contest
// is under-filled at lock); Settlement and Payout publish the later ones.

/// <summary>A valid definition was accepted: the contest is SCHEDULED and takes entries until <c>LockAt</c>.</summary>
public sealed record ContestScheduled(ContestDefined Definition) : IMessage
{
    public const string MessageType = "ContestScheduled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:scheduled";
}
