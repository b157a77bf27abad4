using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;

namespace ContestPipeline.Plumbing.Messaging;

public static class Alerts
{
    /// <summary>
    /// Publishes an alert in the handler's transaction. Its id is derived from
    /// <paramref name="dedupeKey"/>, so the same condition found again (a replay) is one alert.
    /// The message is cut to <see cref="Limits.ReasonLengthMax"/> characters: an alert quoting
    /// a hostile input's every reason must still be a message the relay can deliver.
    /// </summary>
    public static void RaiseAlert(this HandlerContext context, string source, string severity, string code, string subject, string message, string dedupeKey)
    {
        message = DeadLetters.Cut(message);
        var id = $"alert:{source}:{code}:{dedupeKey}";
        var envelope = new Envelope(id, AlertRaised.MessageType, AlertRaised.SchemaVersion, id, null, context.Clock.GetUtcNow());
        context.Publish(OutgoingMessage.Create(Topics.Alerts, source, envelope,
            new AlertRaised(id, source, severity, code, subject, message, envelope.OccurredAt)) with { FirstWins = true });
    }
}
