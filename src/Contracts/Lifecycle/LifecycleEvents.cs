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

/// <summary>An entry whose payment Stripe confirmed. <see cref="Lineup"/> is null for a fitness challenge.</summary>
public sealed record EntryAccepted(
    string EntryId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    IReadOnlyList<string>? Lineup,
    DateTimeOffset AcceptedAt) : IMessage
{
    public const string MessageType = "EntryAccepted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string entryId) => $"entry:{entryId}:accepted";
}

/// <summary>
/// A submission that did not become an entry, with its reason. <see cref="RefundId"/> is set
/// when its payment was verified and a refund was ordered on <c>payouts.due</c>.
/// </summary>
public sealed record EntryRejected(
    string SubmissionId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    string Reason,
    string? RefundId) : IMessage
{
    public const string MessageType = "EntryRejected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string submissionId) => $"submission:{submissionId}:rejected";
}

/// <summary>
/// Ingestion stopped taking entries (lock time reached, or a covered game started first).
/// Published after every EntryAccepted of the contest, so a consumer that has seen this has
/// seen them all: exactly <see cref="EntryCount"/> entries, whose sorted ids hash to <see cref="EntriesHash"/>.
/// </summary>
public sealed record EntriesClosed(string ContestId, int EntryCount, string EntriesHash, DateTimeOffset ClosedAt)
    : IMessage
{
    public const string MessageType = "EntriesClosed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:entries-closed";
}

/// <summary>A lifecycle transition. <see cref="From"/> and <see cref="To"/> are upper-case state names.</summary>
public sealed record ContestStateChanged(string ContestId, string From, string To, string Reason,
    DateTimeOffset ChangedAt) : IMessage
{
    public const string MessageType = "ContestStateChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId, ContestState to) =>
        $"contest:{contestId}:{ContestLifecycle.Name(to)}";
}

/// <summary>
/// COMPLETE: every covered game ended (and the correction window passed). The final standings
/// are on <c>standings</c> as <see cref="StandingsChunks"/> FinalStandingsPublished messages;
/// <see cref="StandingsHash"/> is over all of them and <see cref="InputsHash"/> over every input
/// that produced them (definition, entries, final stat values), so two runs can be compared.
/// </summary>
public sealed record ContestCompleted(
    string ContestId,
    int EntryCount,
    int StandingsChunks,
    string StandingsHash,
    string InputsHash,
    DateTimeOffset CompletedAt) : IMessage
{
    public const string MessageType = "ContestCompleted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:completed";
}

/// <summary>
/// SETTLED: winners and amounts are fixed and one PrizePayoutOrdered per winning entry is on
/// <c>payouts.due</c>. Amounts in minor units of <see cref="Currency"/>:
/// EntryFees + Overlay = Pool + Rake + HouseTake, and Pool = PrizesNet + PlatformFees.
/// HouseTake is a guaranteed pool's fees above its guarantee (0 in rake mode).
/// <see cref="Rule"/> is the published tie and leftover-cent rule that produced them.
/// </summary>
public sealed record ContestSettled(
    string ContestId,
    int EntryCount,
    string Currency,
    long EntryFeesMinor,
    long RakeMinor,
    long OverlayMinor,
    long HouseTakeMinor,
    long PoolMinor,
    long PlatformFeesMinor,
    long PrizesNetMinor,
    int Payouts,
    string Rule,
    DateTimeOffset SettledAt) : IMessage
{
    public const string MessageType = "ContestSettled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:settled";
}

/// <summary>
/// PAID: every payout of a SETTLED contest is resolved, published by Settlement, followed by
/// the <c>ContestStateChanged</c> SETTLED → PAID. A payout is resolved when its transfer exists
/// and none of it was reversed (paid), or when an operator rejected it (its prize withheld).
/// Amounts in minor units of <see cref="Currency"/>: <see cref="PaidMinor"/> is what stayed
/// transferred, <see cref="WithheldMinor"/> what was withheld, and together they are the
/// contest's net prizes. A contest without awards is PAID as it is settled.
/// </summary>
public sealed record ContestPaid(
    string ContestId,
    int PayoutCount,
    int PaidCount,
    int RejectedCount,
    long PaidMinor,
    long WithheldMinor,
    string Currency,
    DateTimeOffset PaidAt) : IMessage
{
    public const string MessageType = "ContestPaid";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:paid";
}
