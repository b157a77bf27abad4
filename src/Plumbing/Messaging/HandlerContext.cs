using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>The transaction the consume loop applies a message in, and the message it applies.</summary>
public sealed class HandlerContext(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock)
    : TransactionContext(connection, transaction, clock)
{
    /// <summary>
    /// The message being handled, set by the consume loop for single-message handlers; null in
    /// batch runs.
    /// </summary>
    public IncomingMessage? Incoming { get; internal set; }
}
