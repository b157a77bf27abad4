using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An approver proposed make-goods; a second approver must confirm.</summary>
public sealed class MakeGoodProposedHandler : MessageHandler<MakeGoodProposed>
{
    public override async Task HandleAsync(MakeGoodProposed p, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.make_good_proposals (proposal_id, contest_id, corrections_so_far, total_minor, currency, proposed_by, reason, proposed_at)
            VALUES (@DecisionId, @ContestId, @CorrectionsSoFar, @TotalMinor, @Currency, @Operator, @Reason, @DecidedAt) ON CONFLICT DO NOTHING
            """, p);
        await ReadModelStore.DecisionAsync(context, "make-good-propose", p.Operator, p.ContestId, p.Reason, p.DecidedAt);
        await ReadModelStore.TimelineAsync(context, p.ContestId, "make_good_proposed",
            $"{p.Operator} proposed the make-goods of correction report {p.CorrectionsSoFar} ({Money.Format(p.TotalMinor, p.Currency)}): {p.Reason}");
    }
}
