using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// A winner whose account keeps their prize from being paid is told why and what they can do: complete what Stripe
/// needs (on the platform's onboarding page, a fresh link each time), wait for Stripe's review, or hear from the
/// platform's team when Stripe refused or rejected the account (Payout has alerted the operators).
/// </summary>
public sealed class RecipientAccountChangedHandler : MessageHandler<RecipientAccountChanged>
{
    public override Task HandleAsync(RecipientAccountChanged change, HandlerContext context, CancellationToken ct)
    {
        if (Notice(change) is var (kind, subject, text))
            ReadModelStore.NotifyPlayer(context, change.PlayerId, kind, subject, text);
        return Task.CompletedTask;
    }

    /// <summary>What the winner is told for each state; nothing for a state that keeps nothing waiting.</summary>
    public static (string Kind, string Subject, string Text)? Notice(RecipientAccountChanged change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var why = change.Reason is null ? "" : $" ({change.Reason})";
        return change.State switch
        {
            RecipientAccountStates.NeedsInformation => ("account_needs_information",
                "Stripe needs more information to pay your prize",
                $"Stripe needs: {string.Join(", ", change.CurrentlyDue)}. Provide it on the platform's onboarding " +
                "page, which gives you a fresh link each time: " + RecipientOnboardingNeeded.PathFor(change.PlayerId)),
            RecipientAccountStates.UnderReview => ("account_under_review",
                "Stripe is reviewing your payout account",
                "Nothing to do for now: your prize is paid once Stripe's review ends."),
            RecipientAccountStates.Rejected => ("account_rejected",
                "Your payout account cannot receive prizes",
                $"Stripe closed your payout account{why}. Our team has been told and will contact you about your " +
                "prize, which is kept for you."),
            RecipientAccountStates.Refused => ("account_refused",
                "We could not open your payout account",
                $"Stripe would not open a payout account for you{why}. Our team has been told and will contact " +
                "you; your prize is kept for you."),
            _ => null,
        };
    }
}
