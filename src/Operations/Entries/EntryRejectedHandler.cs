using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.Entries;

/// <summary>A submission that did not become an entry, with its reason; the player is told.</summary>
public sealed class EntryRejectedHandler : MessageHandler<EntryRejected>
{
    public override async Task HandleAsync(EntryRejected rejected, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, rejected.ContestId, "entry_rejected",
            $"submission {rejected.SubmissionId} of {rejected.PlayerId} rejected: {rejected.Reason}" +
            (rejected.RefundId is null ? "" : $" (refund {rejected.RefundId} ordered)"));
        if (await EntryStore.EntryRejectedAsync(context, rejected))
            ReadModelStore.NotifyPlayer(context, rejected.PlayerId, "entry_rejected",
                $"Your entry in {rejected.ContestId} was not accepted",
                rejected.Reason + (rejected.RefundId is null ? "" : " Your payment will be refunded."));
    }
}
