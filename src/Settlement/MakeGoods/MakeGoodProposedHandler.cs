using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// An approver's proposal of an assessed make-good: recorded, never booked until a second
/// approver confirms it. A proposal of something not assessed, not complete, or of another
/// total than assessed is refused (dead-lettered with the reason and an alert), and so is one without its proposer's
/// seal of its terms for Payout, which Payout pays a make-good under (<see cref="MakeGoodSeals"/>).
/// </summary>
public sealed class MakeGoodProposedHandler : MessageHandler<MakeGoodProposed>
{
    public override async Task HandleAsync(MakeGoodProposed proposal, HandlerContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(proposal.Operator) || string.IsNullOrWhiteSpace(proposal.Reason))
            throw new MessageRejectedException($"make-good proposal {proposal.DecisionId}: it must name " +
                "its operator and reason");
        var assessed = await MakeGoodStore.AssessmentAsync(context, proposal.ContestId, proposal.CorrectionsSoFar)
            ?? throw new MessageRejectedException($"make-good proposal {proposal.DecisionId}: contest " +
                $"{proposal.ContestId} has no assessed correction report {proposal.CorrectionsSoFar}");
        if (!assessed.Complete || assessed.Items.Count == 0)
            throw new MessageRejectedException($"make-good proposal {proposal.DecisionId}: nothing can be proposed " +
                $"for report {proposal.CorrectionsSoFar} of {proposal.ContestId}: {assessed.Note}");
        if (assessed.TotalMinor != proposal.TotalMinor || assessed.Currency != proposal.Currency)
            throw new MessageRejectedException(
                $"make-good proposal {proposal.DecisionId}: it proposes {proposal.TotalMinor} {proposal.Currency}, " +
                $"but the assessment is {assessed.TotalMinor} {assessed.Currency}");
        if (proposal.PayoutSeal?.Operator != proposal.Operator)
            throw new MessageRejectedException($"make-good proposal {proposal.DecisionId}: it carries no seal of " +
                $"its terms for Payout by its proposer {proposal.Operator} (cpctl and the console add one); Payout " +
                "pays a make-good only under the seals of the operators who proposed and confirmed it");
        await MakeGoodStore.InsertProposalAsync(context, proposal);
    }
}
