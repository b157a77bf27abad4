using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// A winner's connected account as Payout read it from Stripe: its balance and bank payouts, kept for the winner's
/// statement (the platform's read API).
/// </summary>
public sealed class RecipientBalanceReadHandler : MessageHandler<RecipientBalanceRead>
{
    public override Task HandleAsync(RecipientBalanceRead read, HandlerContext context, CancellationToken ct) =>
        RecipientAccountStore.ApplyAsync(context, read);
}
