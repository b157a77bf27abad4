using ContestPipeline.Contracts.Entries;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// Records a submission with the times that judge it, and nothing else: no Stripe call and no
/// contest lock in the consume transaction, so Ingestion keeps up with a lock-time rush.
/// <see cref="Entries.DecideEntriesJob"/> turns it into an entry (or a rejection, with a refund
/// where the money was verified) once its payment is known from Stripe's events, or from a GET
/// when no event came in time (<see cref="Payments.VerifyPaymentsJob"/>). The time it counts as made
/// is when the entry API accepted it (<see cref="EntrySubmitted.SubmittedAt"/>, or its record's
/// timestamp when it does not say), bounded by when its record reached the broker.
/// </summary>
public sealed class EntrySubmittedHandler(IngestionOptions options) : BatchMessageHandler<EntrySubmitted>
{
    public override Task HandleAsync(EntrySubmitted submission, HandlerContext context, CancellationToken ct) =>
        SubmissionStore.RecordAsync(context, [Arrive(submission, context.Incoming!, context)],
            options.PaymentEventWait);

    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        SubmissionStore.RecordAsync(context, [.. messages.Select(m => Arrive(m.Body<EntrySubmitted>(), m, context))],
            options.PaymentEventWait);

    private static SubmissionStore.Arrival Arrive(EntrySubmitted submission, IncomingMessage message,
        HandlerContext context)
    {
        RequireShape(submission);
        // The record's timestamp as this consumer sees it: when it reached the broker. Without
        // one, the moment it was read stands in, which can only make it later, never earlier.
        var brokerAt = message.KafkaTimestamp ?? context.Clock.GetUtcNow();
        return new SubmissionStore.Arrival(submission, submission.SubmittedAt ?? brokerAt, brokerAt,
            message.Envelope.MessageId, message.Envelope.CorrelationId);
    }

    /// <summary>A submission missing what identifies it is not an entry attempt at all: dead-lettered.</summary>
    private static void RequireShape(EntrySubmitted s)
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(s.SubmissionId)) missing.Add("submissionId");
        if (string.IsNullOrWhiteSpace(s.ContestId)) missing.Add("contestId");
        if (string.IsNullOrWhiteSpace(s.PlayerId)) missing.Add("playerId");
        if (string.IsNullOrWhiteSpace(s.PaymentIntentId)) missing.Add("paymentIntentId");
        if (missing.Count > 0)
            throw new MessageRejectedException($"entry submission is missing {string.Join(", ", missing)}");
    }
}
