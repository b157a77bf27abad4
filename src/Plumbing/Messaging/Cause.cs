using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What an outgoing message's envelope says brought it about: the correlation id it carries
/// on, and the id of the message (or clock-driven job) that caused it. Every message the
/// pipeline publishes has both, so one dollar can be followed from message to message.
/// </summary>
public readonly record struct Cause(string CorrelationId, string CausationId)
{
    /// <summary>Caused by a consumed message: same correlation, that message's id as cause.</summary>
    public static Cause Of(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new Cause(envelope.CorrelationId, envelope.MessageId);
    }

    /// <summary>
    /// Caused by the clock (a lock time reached, a retry due, a payout dispatched): correlated
    /// by its subject (a contest id), with <c>clock:&lt;job&gt;</c> as cause.
    /// </summary>
    public static Cause Clock(string job, string subject) => new(subject, "clock:" + job);

    /// <summary>Caused by a message recorded earlier (e.g. a payout's order), known by its ids.</summary>
    public static Cause Recorded(string correlationId, string messageId) => new(correlationId, messageId);

    /// <summary>
    /// The envelope of a contract message this caused: type and schema version from the contract, correlation and
    /// causation from here.
    /// </summary>
    public Envelope EnvelopeOf<T>(string messageId, DateTimeOffset occurredAt) where T : IMessage =>
        new(messageId, T.Type, T.Version, CorrelationId, CausationId, occurredAt);
}
