using Confluent.Kafka;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The four kinds of failure, each with one way of being handled by every consume loop and
/// job (<see cref="ErrorPolicy"/>), in the order a handler should think about them.
/// </summary>
public enum FailureKind
{
    /// <summary>
    /// A broken invariant, an illegal transition, a ledger that does not balance, or any
    /// exception nobody classified: the worker stops loudly (a critical alert, exit code 1)
    /// and the message is not committed, so a bug never becomes a dead letter that a replay
    /// later applies. It is fixed and the worker restarted; the message is then applied.
    /// </summary>
    Bug,

    /// <summary>
    /// The database, the broker or Stripe is unavailable: not the message's fault. It is
    /// waited out without spending the message's chances (up to the outage tolerance, after
    /// which the worker stops and is restarted).
    /// </summary>
    Transient,

    /// <summary>Bad input that can never apply as it is: dead-lettered at once with its reason, and alerted.</summary>
    Rejected,

    /// <summary>
    /// Optimistic concurrency: another transaction changed the same rows first (a version
    /// check, a serialization failure, a deadlock). Retried at once with a short backoff; one
    /// that keeps conflicting past <see cref="Limits.ConflictRetriesMax"/> is a bug.
    /// </summary>
    Conflict,
}

/// <summary>
/// Bad input: the message is dead-lettered with <see cref="Reason"/>, without retries, and an
/// alert of <see cref="Severity"/> is raised (a warning; critical for input that tried to move
/// money it must not).
/// </summary>
public sealed class MessageRejectedException(
    string reason, string severity = ContestPipeline.Contracts.Alerts.AlertSeverities.Warning) : Exception(reason)
{
    public string Reason => Message;
    public string Severity { get; } = severity;
}

/// <summary>A dependency the handler must ask (Stripe, the broker) is unavailable for now.</summary>
public sealed class TransientDependencyException(string dependency, Exception inner)
    : Exception($"{dependency} unavailable: {inner.Message}", inner)
{
    public string Dependency { get; } = dependency;
}

/// <summary>
/// The database connection broke under the work: Postgres restarted or ended the session (57P01),
/// and whatever the work met next on the dead connection (Npgsql's ObjectDisposedException or
/// "Connection is not open") was a consequence of that, not a bug. Waited out like any outage.
/// </summary>
public sealed class DatabaseConnectionLostException(Exception inner)
    : Exception($"the database connection was lost: {inner.Message}", inner);

/// <summary>Another transaction changed the row first (its version or state is not the one read): retried.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);

/// <summary>A bug or broken invariant: the worker stops loudly instead of carrying on.</summary>
public sealed class InvariantViolatedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Thrown out of a consume loop or job after a bug was alerted: the worker stops with it.</summary>
public sealed class WorkerStoppedException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// An exception of a dependency's client that knows its own kind (the Stripe client's: a 429,
/// a 5xx or no answer is transient; a refusal is not), so the core need not know the client.
/// </summary>
public interface IClassifiedFailure
{
    FailureKind Kind { get; }
}

/// <summary>The one place that says which kind a failure is.</summary>
public static class ErrorPolicy
{
    public static FailureKind Classify(Exception e) => e switch
    {
        IClassifiedFailure classified => classified.Kind,
        MessageRejectedException => FailureKind.Rejected,
        ConcurrencyConflictException => FailureKind.Conflict,
        // Serialization failures and deadlocks are Postgres's own optimistic concurrency.
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }
            => FailureKind.Conflict,
        TransientDependencyException or DatabaseConnectionLostException => FailureKind.Transient,
        // Postgres saying it is unavailable, whatever Npgsql's own list says: shutting down or
        // starting up (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), any
        // connection exception (class 08), or out of connection slots (53300).
        PostgresException p when DatabaseUnavailable(p.SqlState) => FailureKind.Transient,
        NpgsqlException { IsTransient: true } => FailureKind.Transient,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException }
            => FailureKind.Transient,
        KafkaException { Error.IsFatal: false } => FailureKind.Transient,
        // Npgsql reports some losses of a connection as ObjectDisposedException from its own code:
        // when Postgres terminates a backend (57P01, a restart) a pooled connector can be broken
        // and disposed under the next command, which then fails in the connector's cancellation
        // reset. The transaction never committed; a new connection is the retry.
        ObjectDisposedException when ThrownByNpgsql(e) => FailureKind.Transient,
        // Several things failed at once (tasks awaited together): an outage if each was one.
        AggregateException { InnerExceptions.Count: > 0 } a when a.InnerExceptions.All(IsTransient)
            => FailureKind.Transient,
        _ => FailureKind.Bug,
    };

    /// <summary>SQLSTATEs by which Postgres says it cannot serve now, not that the request was wrong.</summary>
    public static bool DatabaseUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;

    private static bool ThrownByNpgsql(Exception e) =>
        new System.Diagnostics.StackTrace(e, false).GetFrames()
            .Any(f => f.GetMethod()?.Module.Assembly == typeof(NpgsqlConnection).Assembly);

    public static bool IsTransient(Exception e) => Classify(e) == FailureKind.Transient;

    /// <summary>
    /// Whether <paramref name="e"/> was thrown on a connection Npgsql found broken (the server
    /// went away under it) and would otherwise count as a bug: then the lost connection is
    /// the cause. Work that owns its connection rethrows such a failure as a
    /// <see cref="DatabaseConnectionLostException"/>.
    /// </summary>
    public static bool ConnectionLost(NpgsqlConnection? connection, Exception e) =>
        connection is not null
        // Npgsql marks the connection broken, and closes it, when the server goes away under it;
        // the work never closes its own.
        && ((connection.FullState & System.Data.ConnectionState.Broken) != 0
            || connection.State == System.Data.ConnectionState.Closed)
        && e is not (SimulatedCrashException or WorkerStoppedException or OperationCanceledException)
        && Classify(e) == FailureKind.Bug;
}
