using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Accepts a contest definition that passes every rule and schedules it; refuses one that
/// does not with every reason listed (it goes to <c>contests.dlq</c> with an alert). The same
/// definition again is a no-op; the same id with other content is refused. A definition
/// naming a game the feed has not scheduled yet is parked until its games appear
/// (DecideParkedContestsJob), because the feed and the contests topic are not ordered against
/// each other. Ingestion cannot check the operators' seals (Scoring and Settlement do, on what it relays),
/// but a definition sealed by fewer operators than it needs is refused at once, that reason listed with the
/// others, so the operator hears it here.
/// </summary>
public sealed class ContestDefinedHandler : MessageHandler<ContestDefined>
{
    public override async Task HandleAsync(ContestDefined definition, HandlerContext context, CancellationToken ct)
    {
        var message = context.Incoming!;
        if (message.Key != definition.ContestId)
            throw new MessageRejectedException(
                $"message key {Show.Quote(message.Key)} is not the contest id {Show.Quote(definition.ContestId)}");
        var hash = ContestHashes.Definition(definition);
        var existing = await ContestStore.DefinitionHashAsync(context, definition.ContestId);
        if (existing == hash) return;
        if (existing is not null)
            throw new MessageRejectedException($"contest {Show.Name(definition.ContestId)} is already defined "
                + "with different content; a definition cannot change");

        var games = await GameStore.KnownGamesAsync(context, definition.GameIds ?? []);
        var now = context.Clock.GetUtcNow();
        // Parked only when its games not scheduled yet are all that stands in its way: a
        // definition wrong in any other respect is refused now, every reason listed.
        var awaited = (definition.GameIds ?? [])
            .Where(g => !string.IsNullOrWhiteSpace(g) && !games.ContainsKey(g))
            .ToHashSet(StringComparer.Ordinal);
        var unsealed = SealsMissing(definition);
        if (awaited.Count > 0 && unsealed is null
            && ContestValidator.Validate(definition, games, now, awaited).Count == 0)
        {
            await ParkedContestStore.ParkAsync(context, definition, hash, message);
            return;
        }
        IReadOnlyList<string> reasons = [.. ContestValidator.Validate(definition, games, now), .. unsealed ?? []];
        if (reasons.Count > 0)
            throw new MessageRejectedException(
                $"contest {Show.Name(definition.ContestId)} rejected: {ContestValidator.Join(reasons)}");
        await ContestStore.ScheduleContestAsync(context, context.Cause!.Value, definition, hash, games);
    }

    /// <summary>
    /// Why the definition carries seals from too few operators (counted by name: Scoring and Settlement verify
    /// them), as one more reason; null when it carries enough.
    /// </summary>
    private static string[]? SealsMissing(ContestDefined definition)
    {
        var sealedBy = DefinitionSeals.ClaimedOperators(definition).Count;
        var needed = ContestLimits.SealsNeeded(definition);
        if (sealedBy >= needed) return null;
        var bound = Money.Format(ContestLimits.GuaranteedMinorOneOperatorMax, definition.Currency);
        return [$"sealed by {sealedBy} operator(s), {needed} needed"
            + (needed > 1 ? $" (a guaranteed pool above {bound})" : "")
            + "; seal it with cpctl contests seal FILE, then define it (docs/contests-and-feed.md)"];
    }
}
