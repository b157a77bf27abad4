using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;

namespace ContestPipeline.Plumbing.Messaging;

public static class Alerts
{
    /// <summary>
    /// Publishes an alert in the handler's transaction. Its id is derived from
    /// <paramref name="dedupeKey"/>, so the same condition found again (a replay, a restart
    /// hitting the same bug) is one alert. The message is cut to <see cref="Limits.ReasonLengthMax"/>
    /// characters: an alert quoting a hostile input's every reason must still be a message the
    /// relay can deliver. It is caused by what the context is handling, if anything.
    /// </summary>
    public static void RaiseAlert(this TransactionContext context, string source, string severity, string code,
        string subject, string message, string dedupeKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        message = DeadLetters.Cut(message);
        var id = AlertRaised.IdFor(source, code, dedupeKey);
        var cause = context.Cause ?? new Cause(id, id);
        var envelope = new Envelope(id, AlertRaised.MessageType, AlertRaised.SchemaVersion, cause.CorrelationId,
            cause.CausationId, context.Clock.GetUtcNow());
        context.Publish(OutgoingMessage.Create(Topics.Alerts, source, envelope,
            new AlertRaised(id, source, severity, code, subject, message, envelope.OccurredAt))
            with { FirstWins = true });
        context.OnCommitted(() => Hosting.PipelineTelemetry.Alerts.Add(1,
            new KeyValuePair<string, object?>("code", code),
            new KeyValuePair<string, object?>("severity", severity),
            new KeyValuePair<string, object?>("source", source)));
    }
}
