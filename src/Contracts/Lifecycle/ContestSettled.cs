using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

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
