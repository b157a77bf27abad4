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
/// but it refuses at once a definition sealed by fewer operators than it needs, so the operator hears it here.
/// </summary>
public sealed class ContestDefinedHandler : MessageHandler<ContestDefined>
{
    public override async Task HandleAsync(ContestDefined definition, HandlerContext context, CancellationToken ct)
    {
        var message = context.Incoming!;
        if (message.Key != definition.ContestId)
            throw new MessageRejectedException(
                $"message key {Show.Quote(message.Key)} is not the contest id {Show.Quote(definition.ContestId)}");
        var sealedBy = DefinitionSeals.ClaimedOperators(definition);
        var needed = ContestLimits.SealsNeeded(definition);
        var bound = Money.Format(ContestLimits.GuaranteedMinorOneOperatorMax, definition.Currency);
        if (sealedBy.Count < needed)
            throw new MessageRejectedException($"contest {Show.Name(definition.ContestId)} rejected: sealed by "
                + $"{sealedBy.Count} operator(s), {needed} needed"
                + (needed > 1 ? $" (a guaranteed pool above {bound})" : "")
                + "; seal it with cpctl contests seal FILE, then define it (docs/contests-and-feed.md)");
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
        if (awaited.Count > 0 && ContestValidator.Validate(definition, games, now, awaited).Count == 0)
        {
            await ParkedContestStore.ParkAsync(context, definition, hash, message);
            return;
        }
        var reasons = ContestValidator.Validate(definition, games, now);
        if (reasons.Count > 0)
            throw new MessageRejectedException(
                $"contest {Show.Name(definition.ContestId)} rejected: {ContestValidator.Join(reasons)}");
        await ContestStore.ScheduleContestAsync(context, context.Cause!.Value, definition, hash, games);
    }
}
