using Confluent.Kafka;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

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
