using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// A winner must verify an account before they can be paid (the older message, which carried Stripe's link): they
/// are told to go to the platform's onboarding page, never the link itself, which has long expired by a replay.
/// </summary>
public sealed class RecipientOnboardingRequestedHandler : MessageHandler<RecipientOnboardingRequested>
{
    public override Task HandleAsync(RecipientOnboardingRequested request, HandlerContext context, CancellationToken ct)
    {
        RecipientOnboardingNeededHandler.Notify(context, request.PlayerId);
        return Task.CompletedTask;
    }
}
