using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// Turns a submission into an entry only after Stripe confirms its payment (EntryChecks
/// decides, in its fixed precedence). The same PaymentIntent is one entry however often it
/// is submitted. A submission that cannot become an entry is rejected with its reason, and
/// if its payment was verified as this player's money for this contest, a refund is
/// ordered exactly once (Payout carries it out).
/// </summary>
public sealed class EntrySubmittedHandler(IStripeClient stripe) : MessageHandler<EntrySubmitted>
{
    public override async Task HandleAsync(EntrySubmitted submission, HandlerContext context, CancellationToken ct)
    {
        RequireShape(submission);
        var contest = await IngestionStore.ContestForUpdateAsync(context, submission.ContestId);
        var definition = contest?.Parse();
        var priorUse = await IngestionStore.PriorUseAsync(context, submission.PaymentIntentId);
        // A payment already used decides the outcome by itself: no need to ask Stripe again.
        var payment = priorUse is null ? await RetrievePaymentAsync(submission.PaymentIntentId, ct) : null;
        var playerEntries = contest is null ? 0 : await IngestionStore.PlayerEntryCountAsync(context, submission.ContestId, submission.PlayerId);
        var games = definition is null ? new Dictionary<string, GameInfo>() : await IngestionStore.KnownGamesAsync(context, definition.GameIds);

        var status = contest?.State;
        var decision = EntryChecks.Check(submission, payment,
            new EntryContext(definition, status == IntakeStatus.Cancelled, status == IntakeStatus.Closed, games, playerEntries, contest?.EntryCount ?? 0, priorUse),
            context.Clock.GetUtcNow());
        if (decision.Outcome == EntryOutcome.AlreadyEntered) return;
        if (!decision.Accepted)
        {
            await RejectAsync(context, submission, decision);
            return;
        }

        var entry = new EntryAccepted(EntrySubmitted.EntryIdFor(submission.PaymentIntentId), submission.ContestId, submission.PlayerId,
            submission.PaymentIntentId, payment!.AmountReceived, definition!.Currency, submission.Lineup, context.Clock.GetUtcNow());
        await IngestionStore.InsertEntryAsync(context, entry);
        context.Publish(Topics.ContestLifecycle, submission.ContestId, EntryAccepted.MessageIdFor(entry.EntryId), entry);
    }

    private async Task<StripePaymentIntent?> RetrievePaymentAsync(string paymentIntentId, CancellationToken ct)
    {
        try
        {
            return await stripe.GetPaymentIntentAsync(paymentIntentId, ct);
        }
        catch (StripeException e) when (e.HttpStatus == 404)
        {
            return null;
        }
        catch (StripeException e) when (e.IsUnreadableAnswer)
        {
            // Asking again gets the same answer: the submission waits in the dead letters
            // (with the field that did not read) for a fix and a re-drive.
            throw new MessageRejectedException($"PaymentIntent {paymentIntentId} could not be read from Stripe: {e.Message}");
        }
        catch (StripeException e) when (e.IsRetryable || e.HttpStatus == 0)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientDependencyException("Stripe", e);
        }
    }

    private static async Task RejectAsync(HandlerContext context, EntrySubmitted s, EntryDecision decision)
    {
        if (decision.Refund is { } refund && await IngestionStore.OrderRefundAsync(context, refund))
            context.Publish(Topics.PayoutsDue, s.ContestId, refund.RefundId, refund);
        await IngestionStore.RecordRejectionAsync(context, s, decision.Reason, decision.Refund?.RefundId);
        context.Publish(Topics.ContestLifecycle, s.ContestId, EntryRejected.MessageIdFor(s.SubmissionId),
            new EntryRejected(s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, decision.Reason, decision.Refund?.RefundId));
    }

    /// <summary>A submission missing what identifies it is not an entry attempt at all: dead-lettered.</summary>
    private static void RequireShape(EntrySubmitted s)
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(s.SubmissionId)) missing.Add("submissionId");
        if (string.IsNullOrWhiteSpace(s.ContestId)) missing.Add("contestId");
        if (string.IsNullOrWhiteSpace(s.PlayerId)) missing.Add("playerId");
        if (string.IsNullOrWhiteSpace(s.PaymentIntentId)) missing.Add("paymentIntentId");
        if (missing.Count > 0) throw new MessageRejectedException($"entry submission is missing {string.Join(", ", missing)}");
    }
}
