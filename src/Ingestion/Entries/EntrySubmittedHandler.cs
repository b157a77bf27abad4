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
/// Turns a submission into an entry only after Stripe confirms its payment. The same
/// PaymentIntent is one entry however often it is submitted. A submission that cannot
/// become an entry is rejected with its reason, and if its payment was good, a refund is
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

        var existing = await context.Connection.QueryFirstOrDefaultAsync<(string EntryId, string ContestId, string PlayerId)?>(
            "SELECT entry_id, contest_id, player_id FROM ingestion.entries WHERE payment_intent_id = @pi",
            new { pi = submission.PaymentIntentId }, context.Transaction);
        if (existing is { } entry)
        {
            // The same payment submitted again is the same entry; used for anything else it is refused.
            if (entry.ContestId == submission.ContestId && entry.PlayerId == submission.PlayerId) return;
            await RejectAsync(context, message.Envelope, submission, null,
                $"payment {submission.PaymentIntentId} already paid for entry {entry.EntryId}", refundDue: false);
            return;
        }

        var contest = await IngestionStore.ContestForUpdateAsync(context, submission.ContestId);
        var definition = contest?.Parse();
        var payment = await RetrievePaymentAsync(submission.PaymentIntentId, ct);
        var playerEntries = contest is null ? 0 : await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM ingestion.entries WHERE contest_id = @c AND player_id = @p",
            new { c = submission.ContestId, p = submission.PlayerId }, context.Transaction);
        var games = definition is null ? new Dictionary<string, GameInfo>() : await IngestionStore.KnownGamesAsync(context, definition.GameIds);

        var outcome = EntryChecks.Check(new EntryCheckInput(
            definition, contest?.Status == "cancelled", contest?.Status == "closed", context.Clock.GetUtcNow(),
            payment, submission.PlayerId, submission.Lineup, games, playerEntries, contest?.EntryCount ?? 0));
        if (!outcome.IsOk)
        {
            await RejectAsync(context, message.Envelope, submission, payment, outcome.Reason, outcome.RefundDue);
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
            amount = payment!.Amount, currency = definition!.Currency, lineup = submission.Lineup?.ToArray(), now,
        }, context.Transaction);
        context.Publish(message.Envelope, Topics.ContestLifecycle, submission.ContestId, EntryAccepted.MessageIdFor(entryId),
            EntryAccepted.MessageType, EntryAccepted.SchemaVersion,
            new EntryAccepted(entryId, submission.ContestId, submission.PlayerId, submission.PaymentIntentId, payment.Amount,
                definition.Currency, submission.Lineup, now));
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

    private static async Task RejectAsync(HandlerContext context, Envelope cause, EntrySubmitted s, StripePaymentIntent? payment, string reason, bool refundDue)
    {
        string? refundId = null;
        if (refundDue && payment is not null)
        {
            var candidate = RefundOrdered.RefundIdFor(payment.Id);
            var ordered = await context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.refund_orders (payment_intent_id, refund_id, contest_id, amount_minor, currency, reason, ordered_at)
                VALUES (@pi, @refundId, @contestId, @amount, @currency, @reason, @now)
                ON CONFLICT (payment_intent_id) DO NOTHING
                """, new { pi = payment.Id, refundId = candidate, contestId = s.ContestId, amount = payment.AmountReceived > 0 ? payment.AmountReceived : payment.Amount,
                    currency = payment.Currency.ToUpperInvariant(), reason, now = context.Clock.GetUtcNow() }, context.Transaction);
            refundId = candidate;
            if (ordered == 1)
            {
                context.Publish(cause, Topics.PayoutsDue, s.ContestId, candidate, RefundOrdered.MessageType, RefundOrdered.SchemaVersion,
                    new RefundOrdered(candidate, s.ContestId, s.PlayerId, payment.Id, payment.AmountReceived > 0 ? payment.AmountReceived : payment.Amount,
                        payment.Currency.ToUpperInvariant(), reason));
            }
        }
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.rejected_submissions (submission_id, contest_id, player_id, payment_intent_id, reason, refund_id, rejected_at)
            VALUES (@SubmissionId, @ContestId, @PlayerId, @PaymentIntentId, @reason, @refundId, @now)
            ON CONFLICT (submission_id) DO NOTHING
            """, new { s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, reason, refundId, now = context.Clock.GetUtcNow() }, context.Transaction);
        context.Publish(cause, Topics.ContestLifecycle, s.ContestId, EntryRejected.MessageIdFor(s.SubmissionId),
            EntryRejected.MessageType, EntryRejected.SchemaVersion,
            new EntryRejected(s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, reason, refundId));
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
