using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A second approver confirmed make-goods (Settlement checks they are not the proposer).</summary>
public sealed class MakeGoodConfirmedHandler : MessageHandler<MakeGoodConfirmed>
{
    public override async Task HandleAsync(MakeGoodConfirmed c, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context, """
            UPDATE operations.make_good_proposals SET confirmed_by = @Operator, confirmed_at = @DecidedAt
            WHERE proposal_id = @ProposalId AND confirmed_by IS NULL AND lower(proposed_by) <> lower(@Operator)
            """, c);
        await ReadModelStore.DecisionAsync(context, "make-good-confirm", c.Operator, c.ContestId, c.Reason, c.DecidedAt);
        await ReadModelStore.TimelineAsync(context, c.ContestId, "make_good_confirmed", $"{c.Operator} confirmed make-good proposal {c.ProposalId}: {c.Reason}");
    }
}
