using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A submission that did not become an entry, with its reason; the player is told.</summary>
public sealed class EntryRejectedHandler : MessageHandler<EntryRejected>
{
    public override async Task HandleAsync(EntryRejected r, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, r.ContestId, "entry_rejected",
            $"submission {r.SubmissionId} of {r.PlayerId} rejected: {r.Reason}{(r.RefundId is null ? "" : $" (refund {r.RefundId} ordered)")}");
        var inserted = await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.rejections (submission_id, contest_id, player_id, payment_intent_id, reason, refund_id, at)
            VALUES (@SubmissionId, @ContestId, @PlayerId, @PaymentIntentId, @Reason, @RefundId, @at) ON CONFLICT DO NOTHING
            """, new { r.SubmissionId, r.ContestId, r.PlayerId, r.PaymentIntentId, r.Reason, r.RefundId, at = ReadModelStore.At(context) });
        if (inserted == 1)
            ReadModelStore.NotifyPlayer(context, r.PlayerId, "entry_rejected", $"Your entry in {r.ContestId} was not accepted",
                r.Reason + (r.RefundId is null ? "" : " Your payment will be refunded."));
    }
}
