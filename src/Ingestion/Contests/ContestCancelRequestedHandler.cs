using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// An operator's cancel of a contest that has not gone live: entries stop at once, and the
/// request is passed on the contest's timeline for the referee to apply.
/// </summary>
public sealed class ContestCancelRequestedHandler : IMessageHandler
{
    public string MessageType => ContestCancelRequested.MessageType;
    public int SchemaVersionMax => ContestCancelRequested.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var request = message.Body<ContestCancelRequested>();
        var status = await context.Connection.QueryFirstOrDefaultAsync<string>(
            "SELECT status FROM ingestion.contests WHERE contest_id = @id FOR UPDATE", new { id = request.ContestId }, context.Transaction)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        var started = await context.Connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM ingestion.contest_games cg JOIN ingestion.games g USING (game_id)
                           WHERE cg.contest_id = @id AND g.status IN ('started', 'ended'))
            """, new { id = request.ContestId }, context.Transaction);
        if (started) throw new MessageRejectedException($"cannot cancel contest {request.ContestId}: a covered game has started, so it is live");
        if (status == "cancelled") return;
        await context.Connection.ExecuteAsync("UPDATE ingestion.contests SET status = 'cancelled' WHERE contest_id = @id",
            new { id = request.ContestId }, context.Transaction);
        context.Publish(message.Envelope, Topics.ContestLifecycle, request.ContestId,
            $"contest:{request.ContestId}:cancel-requested", ContestCancelRequested.MessageType, ContestCancelRequested.SchemaVersion, request);
    }
}
