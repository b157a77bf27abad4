using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// A prize still waiting for its winner's account on one of the policy's reminder days: the winner is reminded what
/// waits and where to verify their account (the platform's onboarding page, a fresh link each time).
/// </summary>
public sealed class PrizeUnclaimedHandler : MessageHandler<PrizeUnclaimed>
{
    public override Task HandleAsync(PrizeUnclaimed prize, HandlerContext context, CancellationToken ct)
    {
        var amount = Money.Format(prize.AmountMinor, prize.Currency);
        ReadModelStore.NotifyPlayer(context, prize.PlayerId, "prize_unclaimed", $"Your prize of {amount} is waiting",
            $"Your prize from {prize.ContestId} has waited {prize.DaysWaiting} days for you to verify your payout " +
            "account. Finish setting up payouts on the platform's onboarding page, which gives you a fresh link " +
            "each time: " + prize.OnboardingPath);
        return Task.CompletedTask;
    }
}
