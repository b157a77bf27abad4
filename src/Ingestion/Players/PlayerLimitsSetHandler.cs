using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Players;

namespace ContestPipeline.Ingestion.Players;

/// <summary>
/// An operator's change to a player's limits: refused (dead-lettered, with the reason) when it cannot be applied or
/// was signed too long ago; otherwise recorded as a request in the player's queue of changes, which
/// <see cref="ApplyLimitRequestsJob"/> applies in order with the platform's, by the same rules.
/// </summary>
public sealed class PlayerLimitsSetHandler : MessageHandler<PlayerLimitsSet>
{
    /// <summary>How long after it was signed an operator's change still counts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public override async Task HandleAsync(PlayerLimitsSet set, HandlerContext context, CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        if (set.PlayerId.Length is 0 or > 200)
            throw new MessageRejectedException($"playerId "
                + $"{Rules.Show.Quote(set.PlayerId[..Math.Min(40, set.PlayerId.Length)])} is not 1 to 200 characters");
        if (DecisionAge.Refusal(set.RequestedAt, now, Lifetime) is { } old)
            throw new MessageRejectedException($"limits of player {set.PlayerId} by {set.RequestedBy}: {old}");
        var change = new LimitRequest(set.DailyLimitMinor, set.MonthlyLimitMinor, set.Exclusion, set.ExclusionDays);
        if (LimitRules.Problem(change) is { } problem)
            throw new MessageRejectedException($"limits of player {set.PlayerId} by {set.RequestedBy}: {problem}");
        await PlayerLimitStore.AddRequestAsync(context, "operator:" + context.Incoming!.Envelope.MessageId,
            set.PlayerId, change, "operator " + set.RequestedBy, DecisionAge.CountsFrom(set.RequestedAt, now));
    }
}
