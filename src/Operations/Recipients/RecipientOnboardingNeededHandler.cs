using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// A winner must verify an account before they can be paid: they are told where on the platform to get an
/// onboarding link (the read API's path naming them, no secret in it), since a link itself expires within minutes.
/// </summary>
public sealed class RecipientOnboardingNeededHandler : MessageHandler<RecipientOnboardingNeeded>
{
    public override Task HandleAsync(RecipientOnboardingNeeded request, HandlerContext context, CancellationToken ct)
    {
        Notify(context, request.PlayerId);
        return Task.CompletedTask;
    }

    public static void Notify(HandlerContext context, string playerId) =>
        ReadModelStore.NotifyPlayer(context, playerId, "verification_needed",
            "Verify your account to receive your prize",
            "Finish setting up payouts on the platform's onboarding page, which gives you a fresh link each time: "
                + RecipientOnboardingNeeded.PathFor(playerId));
}
