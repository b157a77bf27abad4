using System.Text.Json.Serialization;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// What Settlement authorizes Payout to pay for one contest (topic <c>payouts.due</c>, key:
/// contest id): the number of prize orders with something to transfer and the total of their
/// net amounts, in minor units of <see cref="Currency"/>. Published in the same transaction as
/// the orders and before them, so an order never arrives before its authorization. Payout
/// refuses any <see cref="PrizePayoutOrdered"/> for a contest it holds no authorization for,
/// and any that would take the contest's orders beyond the authorized count or total: even a
/// producer that may publish orders cannot pay more than was settled.
/// <see cref="AuthorizationId"/> is unique per authorization: settling is the first
/// (<see cref="SettlementIdFor"/>); a later make-good is a second one for the same contest,
/// with its own id, and adds its payouts and total to the first's. A guaranteed contest's settling authorization
/// carries its definition as the operators sealed it (<see cref="Guarantee"/>): Payout pays such a contest up to
/// its guarantee beyond the entry fees it verified itself, only when the seals verify for Payout. A make-good's
/// authorization carries the make-good's terms as two operators sealed them for Payout (<see cref="MakeGood"/>):
/// Payout pays a make-good only to the entry and player the terms name, and no more than they say it is owed.
/// </summary>
public sealed record ContestPayoutsAuthorized(
    string AuthorizationId,
    string ContestId,
    int Payouts,
    long NetTotalMinor,
    string Currency,
    DateTimeOffset AuthorizedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    ContestDefined? Guarantee = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    SealedMakeGood? MakeGood = null) : IMessage
{
    public const string MessageType = "ContestPayoutsAuthorized";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>The authorization that settling a contest makes.</summary>
    public static string SettlementIdFor(string contestId) => $"settle:{contestId}";

    /// <summary>The authorization of one make-good payout, published just before its order.</summary>
    public static string MakeGoodIdFor(string payoutId) => MakeGoodIdPrefix + payoutId;

    /// <summary>The make-good payout id a make-good's authorization id names; null for another authorization.</summary>
    public static string? MakeGoodPayoutOf(string authorizationId) =>
        authorizationId.StartsWith(MakeGoodIdPrefix, StringComparison.Ordinal)
            ? authorizationId[MakeGoodIdPrefix.Length..]
            : null;

    private const string MakeGoodIdPrefix = "makegood:";

    /// <summary>The message id is the authorization's: the same authorization published twice is one message.</summary>
    public static string MessageIdFor(string authorizationId) => $"payouts-authorized:{authorizationId}";
}
