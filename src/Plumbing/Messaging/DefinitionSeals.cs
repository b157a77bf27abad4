using System.Security.Cryptography;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Operators' seals on a contest definition. Ingestion validates a definition and relays it to Scoring and
/// Settlement inside <c>ContestScheduled</c>; they act on it (its fee, prize table, guarantee) only when it carries
/// seals that verify under the operators' own keys they hold, from at least
/// <see cref="ContestLimits.SealsNeeded"/> operators. So a definition Ingestion altered, or one no operator made,
/// moves nothing. A seal is an <see cref="OperatorSeals"/> seal labelled <c>contestpipeline.contest-definition.v1\n</c>
/// of the contest id and the definition's hash (<see cref="Hash"/>). The two fields Ingestion fills in
/// when an operator leaves them out are checked within their bounds only (<see cref="SealedHashes"/>).
/// </summary>
public static class DefinitionSeals
{
    private static readonly byte[] Label = "contestpipeline.contest-definition.v1\n"u8.ToArray();

    /// <summary>
    /// The services that act on a definition another service relays, and so check its seals: Scoring and
    /// Settlement (from Ingestion), Payout (a guaranteed contest's, from Settlement).
    /// </summary>
    public static IReadOnlyList<string> Consumers { get; } = ["payout", "scoring", "settlement"];

    /// <summary>
    /// SHA-256 (hex) of the definition as the pipeline writes it, without its seals: what a seal signs, and what
    /// tells the same definition sent again from another.
    /// </summary>
    public static string Hash(ContestDefined definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(definition with { Seals = null }, OutgoingMessage.Json)));
    }

    /// <summary>
    /// The definition with <paramref name="key"/>'s seal for every consumer (replacing an earlier seal of the same
    /// operator, keeping the other operators').
    /// </summary>
    public static ContestDefined Seal(ContestDefined definition, OperatorKey key)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(key);
        var seal = OperatorSeals.Seal(key, Label, definition.ContestId, Hash(definition), Consumers);
        return definition with
        {
            Seals = [.. (definition.Seals ?? []).Where(s => s.Operator != key.Operator), seal],
        };
    }

    /// <summary>The operators whose seals the definition carries, verified or not (for messages to people).</summary>
    public static IReadOnlyList<string> ClaimedOperators(ContestDefined definition) =>
        [.. (definition?.Seals ?? []).Select(s => s.Operator).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Null when seals that verify for <paramref name="consumer"/> under operator keys in <paramref name="keys"/>
    /// come from at least as many operators as the definition needs (and <paramref name="operators"/> are
    /// they); otherwise why not, naming each seal that failed.
    /// </summary>
    public static string? Refusal(ContestDefined definition, SigningKeys keys, string consumer,
        out IReadOnlyList<string> operators)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(keys);
        operators = [];
        var needed = ContestLimits.SealsNeeded(definition);
        var seals = definition.Seals ?? [];
        if (seals.Count == 0)
            return $"contest {definition.ContestId}'s definition carries no operator's seal ({needed} needed)";
        var (verified, failed) = OperatorSeals.Verify(seals, keys, consumer, Label, definition.ContestId,
            SealedHashes(definition), "definition", OperatorRoles.DefinitionSealNeeds);
        if (verified.Count >= needed)
        {
            operators = [.. verified];
            return null;
        }
        var pool = needed > 1
            ? $" (a guaranteed pool above {ContestLimits.GuaranteedMinorOneOperatorMax} minor units)"
            : "";
        return $"contest {definition.ContestId}'s definition is sealed by {verified.Count} operator(s) that "
            + $"verify for {consumer}, {needed} needed{pool}"
            + (failed.Count > 0 ? ": " + string.Join("; ", failed) : "");
    }

    /// <summary>
    /// The hashes the operators may have sealed for a definition Ingestion relays. Ingestion fills in the two
    /// fields an operator may leave out: the unfinished-games rule (its default, <c>score_as_played</c>) and the
    /// slate's end (from the games' scheduled starts, which only Ingestion knows when it schedules). So a seal
    /// matches the definition as relayed, or as relayed with those fields left out where Ingestion could have
    /// filled them: the rule only when it is the default, the slate's end only within the bound every
    /// definition keeps (after the lock, at most <see cref="UnfinishedGameRules.SlateLengthMax"/> later).
    /// </summary>
    private static List<string> SealedHashes(ContestDefined definition)
    {
        var rule = definition.UnfinishedGames == UnfinishedGameRules.ScoreAsPlayed ? [null, definition.UnfinishedGames]
            : new[] { definition.UnfinishedGames };
        var slateEnd = definition.SlateEndsAt is { } end && end > definition.LockAt
            && end <= definition.LockAt + UnfinishedGameRules.SlateLengthMax
            ? [null, definition.SlateEndsAt]
            : new[] { definition.SlateEndsAt };
        return [.. rule.SelectMany(r => slateEnd.Select(e =>
                Hash(definition with { UnfinishedGames = r, SlateEndsAt = e })))
            .Distinct(StringComparer.Ordinal)];
    }
}
