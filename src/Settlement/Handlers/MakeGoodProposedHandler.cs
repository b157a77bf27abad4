using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// An approver's proposal of an assessed make-good: recorded, never booked until a second
/// approver confirms it. A proposal of something not assessed, not complete, or of another
/// total than assessed is refused (dead-lettered with the reason and an alert).
/// </summary>
public sealed class MakeGoodProposedHandler : MessageHandler<MakeGoodProposed>
{
    public override async Task HandleAsync(MakeGoodProposed p, HandlerContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(p.Operator) || string.IsNullOrWhiteSpace(p.Reason))
            throw new MessageRejectedException($"make-good proposal {p.DecisionId}: it must name its operator and reason");
        var assessed = await MakeGoodStore.AssessmentAsync(context, p.ContestId, p.CorrectionsSoFar)
            ?? throw new MessageRejectedException($"make-good proposal {p.DecisionId}: contest {p.ContestId} has no assessed correction report {p.CorrectionsSoFar}");
        if (!assessed.Complete || assessed.Items.Count == 0)
            throw new MessageRejectedException($"make-good proposal {p.DecisionId}: nothing can be proposed for report {p.CorrectionsSoFar} of {p.ContestId}: {assessed.Note}");
        if (assessed.TotalMinor != p.TotalMinor || assessed.Currency != p.Currency)
            throw new MessageRejectedException(
                $"make-good proposal {p.DecisionId}: it proposes {p.TotalMinor} {p.Currency}, but the assessment is {assessed.TotalMinor} {assessed.Currency}");
        await MakeGoodStore.InsertProposalAsync(context, p);
    }
}
