using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Extensions;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// An operator's cancel of a contest, live or not. A contest without entries is cancelled on one
/// request; one with paid entries takes two different operators (<see cref="CancelApprovals"/>):
/// the first request is recorded and announced as an alert, and entries are still taken. Once
/// the cancel applies, entries stop at once and the request is passed on the contest's timeline.
/// Whether it is still in time (before COMPLETE) is the referee's to say, since only the referee
/// knows whether the contest has completed.
/// </summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await IngestionStore.ContestForUpdateAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        if (contest.State == EntriesState.Cancelled) return;
        var requests = await IngestionStore.AddCancelApprovalAsync(context, request);
        if (!CancelApprovals.Applies(contest.EntryCount, [.. requests.Select(r => r.Operator)]))
        {
            context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, "cancel_awaits_second_operator", request.ContestId,
                CancelApprovals.Awaiting(request, contest.EntryCount), $"{request.ContestId}:{request.RequestedBy}");
            return;
        }
        await IngestionStore.MoveAsync(context, request.ContestId, contest.State, EntriesState.Cancelled);
        // The first operator's reason is the decision's; the others agreed to it.
        var applied = request with { RequestedBy = string.Join(" and ", requests.Select(r => r.Operator)), Reason = requests[0].Reason };
        context.Publish(Topics.ContestLifecycle, request.ContestId, $"contest:{request.ContestId}:cancel-requested", applied);
    }
}
