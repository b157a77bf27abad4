using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// An operator's cancel of a contest, live or not. A contest without entries is cancelled on one
/// request; one with paid entries takes two different operators whose requests both still count
/// (<see cref="CancelApprovals"/>: each for <see cref="IngestionOptions.CancelApprovalLifetime"/>, on the
/// injected clock, from when each operator signed: a request signed longer ago is refused): until then a
/// request is recorded and announced as an alert, and entries are still taken.
/// Once the cancel applies, entries stop at once and the request is passed on the contest's timeline.
/// Whether it is still in time (before COMPLETE) is the referee's to say, since only the referee
/// knows whether the contest has completed.
/// </summary>
public sealed class ContestCancelRequestedHandler(IngestionOptions options) : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await ContestStore.ContestForUpdateAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        if (contest.State == EntriesState.Cancelled) return;
        var lifetime = options.CancelApprovalLifetime;
        var now = context.Clock.GetUtcNow();
        if (request.RequestedAt is { } signed && DecisionAge.Refusal(signed, now, lifetime) is { } old)
            throw new MessageRejectedException(
                $"cancel of contest {request.ContestId} by {request.RequestedBy}: {old}");
        var requestedAt = DecisionAge.CountsFrom(request.RequestedAt ?? now, now);
        var requests = await ContestStore.AddCancelApprovalAsync(context, request, requestedAt, lifetime);
        var live = CancelApprovals.Live(requests, now, lifetime);
        if (!CancelApprovals.Applies(contest.EntryCount, [.. live.Select(r => r.Operator)]))
        {
            // Keyed by the request's recorded time: one made anew after its predecessor expired is announced anew.
            var since = live.First(r => r.Operator == request.RequestedBy).RequestedAt.ToUnixTimeMilliseconds();
            context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, "cancel_awaits_second_operator",
                request.ContestId, CancelApprovals.Awaiting(request, contest.EntryCount, requests, now, lifetime),
                $"{request.ContestId}:{request.RequestedBy}:{since}");
            return;
        }
        await ContestStore.MoveAsync(context, request.ContestId, contest.State, EntriesState.Cancelled);
        // The first operator's reason is the decision's; the others agreed to it.
        var applied = request with
        {
            RequestedBy = string.Join(" and ", live.Select(r => r.Operator)), Reason = live[0].Reason,
        };
        context.Publish(Topics.ContestLifecycle, request.ContestId, $"contest:{request.ContestId}:cancel-requested",
            applied);
    }
}
