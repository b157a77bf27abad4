using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Decides parked definitions: scheduled (or refused with every reason) once the feed has
/// scheduled all their games, or refused when their games have not appeared within
/// <see cref="ParkedForMax"/>. A refused one is dead-lettered as it arrived, with an alert.
/// </summary>
public sealed class DecideParkedContestsJob : IJob
{
    public static readonly TimeSpan ParkedForMax = TimeSpan.FromMinutes(10);
    public const int ContestsPerRunMax = 100;

    public string Name => "decide-parked-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(500);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var now = context.Clock.GetUtcNow();
        foreach (var p in await ParkedContestStore.ParkedContestsAsync(context, ContestsPerRunMax))
        {
            // One parked definition that cannot be decided must not hold up the others: this
            // job decides them all in one transaction, and a throw would undo every decision.
            ContestDefined? definition;
            string? unreadable = null;
            try
            {
                definition = JsonSerializer.Deserialize<ContestDefined>(p.Payload, OutgoingMessage.Json);
            }
            catch (JsonException e)
            {
                definition = null;
                unreadable = IncomingMessage.OneLine(e.Message);
            }
            if (definition is null)
            {
                await ParkedContestStore.UnparkAsync(context, p.ContestId);
                Refuse(context, p, $"contest {Show.Name(p.ContestId)} rejected: "
                    + $"its parked definition is no longer readable: {unreadable ?? "JSON null"}");
                continue;
            }
            var games = await GameStore.KnownGamesAsync(context, definition.GameIds);
            var expired = now - new DateTimeOffset(DateTime.SpecifyKind(p.ParkedAt, DateTimeKind.Utc)) > ParkedForMax;
            if (!expired && definition.GameIds.Any(g => g is not null && !games.ContainsKey(g))) continue;

            await ParkedContestStore.UnparkAsync(context, p.ContestId);
            var reasons = ContestValidator.Validate(definition, games, now);
            if (reasons.Count == 0)
            {
                // Caused by the definition, as if it had been accepted when it arrived.
                await ContestStore.ScheduleContestAsync(context, new Cause(p.MessageId, p.MessageId), definition,
                    p.Hash, games);
                continue;
            }
            Refuse(context, p, $"contest {Show.Name(definition.ContestId)} rejected"
                + $"{(expired ? $" after waiting {ParkedForMax.TotalMinutes:F0} min for its games" : "")}"
                + $": {ContestValidator.Join(reasons)}");
        }
        return false;
    }, ct);

    /// <summary>A parked definition refused: dead-lettered as the message it arrived as, and alerted.</summary>
    private static void Refuse(TransactionContext context, ParkedContestStore.ParkedRow p, string reason)
    {
        context.Cause = new Cause(p.MessageId, p.MessageId);
        context.Publish(DeadLetters.Create(IngestionWorker.Name + ".contests", p.MessageId, p.Topic, p.Partition,
            p.Offset, Encoding.UTF8.GetBytes(p.ContestId), p.Payload, HeaderJson.Read(p.Headers),
            ContestDefined.MessageType, reason));
        context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, "dead_letter", $"{p.Topic}/{p.MessageId}",
            reason, $"{p.MessageId}:{p.Offset}");
        context.Cause = null;
    }
}
