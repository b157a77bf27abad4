using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A winner must verify an account before they can be paid: they are told, with the link.</summary>
public sealed class RecipientOnboardingRequestedHandler : MessageHandler<RecipientOnboardingRequested>
{
    public override Task HandleAsync(RecipientOnboardingRequested request, HandlerContext context, CancellationToken ct)
    {
        ReadModelStore.NotifyPlayer(context, request.PlayerId, "verification_needed", "Verify your account to receive your prize",
            $"Finish setting up payouts: {request.OnboardingUrl} (the link expires {request.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm}Z)");
        return Task.CompletedTask;
    }
}
