using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing.Stripe;
using Dapper;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// Turns a submission into an entry only after Stripe confirms its payment (EntryChecks
/// decides, in its fixed precedence). The same PaymentIntent is one entry however often it
/// is submitted. A submission that cannot become an entry is rejected with its reason, and
/// if its payment was verified as this player's money for this contest, a refund is
/// ordered exactly once (Payout carries it out).
/// </summary>
public sealed class EntrySubmittedHandler(IStripeClient stripe) : IMessageHandler
{
    public string MessageType => EntrySubmitted.MessageType;
    public int SchemaVersionMax => EntrySubmitted.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var submission = message.Body<EntrySubmitted>();
        RequireShape(submission);

        var contest = await IngestionStore.ContestForUpdateAsync(context, submission.ContestId);
        var definition = contest?.Parse();
        var priorUse = await PriorUseAsync(context, submission.PaymentIntentId);
        // A payment already used decides the outcome by itself: no need to ask Stripe again.
        var payment = priorUse is null ? await RetrievePaymentAsync(submission.PaymentIntentId, ct) : null;
        var playerEntries = contest is null ? 0 : await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM ingestion.entries WHERE contest_id = @c AND player_id = @p",
            new { c = submission.ContestId, p = submission.PlayerId }, context.Transaction);
        var games = definition is null ? new Dictionary<string, GameInfo>() : await IngestionStore.KnownGamesAsync(context, definition.GameIds);

        var decision = EntryChecks.Check(submission, payment,
            new EntryContext(definition, contest?.Status == "cancelled", contest?.Status == "closed", games, playerEntries, contest?.EntryCount ?? 0, priorUse),
            context.Clock.GetUtcNow());
        if (decision.Outcome == EntryOutcome.AlreadyEntered) return;
        if (!decision.Accepted)
        {
            await RejectAsync(context, message.Envelope, submission, decision);
            return;
        }

        var entryId = EntrySubmitted.EntryIdFor(submission.PaymentIntentId);
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.entries (entry_id, payment_intent_id, contest_id, player_id, amount_minor, currency, lineup, accepted_at)
            VALUES (@entryId, @pi, @contestId, @playerId, @amount, @currency, @lineup, @now);
            UPDATE ingestion.contests SET entry_count = entry_count + 1 WHERE contest_id = @contestId;
            """, new
        {
            entryId, pi = submission.PaymentIntentId, contestId = submission.ContestId, playerId = submission.PlayerId,
            amount = payment!.AmountReceived, currency = definition!.Currency, lineup = submission.Lineup?.ToArray(), now,
        }, context.Transaction);
        context.Publish(message.Envelope, Topics.ContestLifecycle, submission.ContestId, EntryAccepted.MessageIdFor(entryId),
            EntryAccepted.MessageType, EntryAccepted.SchemaVersion,
            new EntryAccepted(entryId, submission.ContestId, submission.PlayerId, submission.PaymentIntentId, payment.AmountReceived,
                definition.Currency, submission.Lineup, now));
    }

    private static async Task<PaymentUse?> PriorUseAsync(HandlerContext context, string paymentIntentId)
    {
        var entry = await context.Connection.QueryFirstOrDefaultAsync<(string ContestId, string PlayerId, string[]? Lineup)?>(
            "SELECT contest_id, player_id, lineup FROM ingestion.entries WHERE payment_intent_id = @paymentIntentId",
            new { paymentIntentId }, context.Transaction);
        if (entry is { } e) return new PaymentUse(e.ContestId, e.PlayerId, e.Lineup, Refunded: false);
        var refund = await context.Connection.QueryFirstOrDefaultAsync<(string ContestId, string PlayerId)?>(
            "SELECT contest_id, player_id FROM ingestion.refund_orders WHERE payment_intent_id = @paymentIntentId",
            new { paymentIntentId }, context.Transaction);
        return refund is { } r ? new PaymentUse(r.ContestId, r.PlayerId, null, Refunded: true) : null;
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
        catch (StripeException e) when (e.IsRetryable || e.HttpStatus == 0)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientDependencyException("Stripe", e);
        }
    }

    private static async Task RejectAsync(HandlerContext context, Envelope cause, EntrySubmitted s, EntryDecision decision)
    {
        var now = context.Clock.GetUtcNow();
        if (decision.Refund is { } refund)
        {
            var ordered = await context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.refund_orders (payment_intent_id, refund_id, contest_id, player_id, amount_minor, currency, reason, ordered_at)
                VALUES (@PaymentIntentId, @RefundId, @ContestId, @PlayerId, @AmountMinor, @Currency, @Reason, @now)
                ON CONFLICT (payment_intent_id) DO NOTHING
                """, new { refund.PaymentIntentId, refund.RefundId, refund.ContestId, refund.PlayerId, refund.AmountMinor, refund.Currency, refund.Reason, now },
                context.Transaction);
            if (ordered == 1)
                context.Publish(cause, Topics.PayoutsDue, s.ContestId, refund.RefundId, RefundOrdered.MessageType, RefundOrdered.SchemaVersion, refund);
        }
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.rejected_submissions (submission_id, contest_id, player_id, payment_intent_id, reason, refund_id, rejected_at)
            VALUES (@SubmissionId, @ContestId, @PlayerId, @PaymentIntentId, @reason, @refundId, @now)
            ON CONFLICT (submission_id) DO NOTHING
            """, new { s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, reason = decision.Reason, refundId = decision.Refund?.RefundId, now },
            context.Transaction);
        context.Publish(cause, Topics.ContestLifecycle, s.ContestId, EntryRejected.MessageIdFor(s.SubmissionId),
            EntryRejected.MessageType, EntryRejected.SchemaVersion,
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
