namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The database connection broke under the work: Postgres restarted or ended the session (57P01),
/// and whatever the work met next on the dead connection (Npgsql's ObjectDisposedException or
/// "Connection is not open") was a consequence of that, not a bug. Waited out like any outage.
/// </summary>
public sealed class DatabaseConnectionLostException(Exception inner)
    : Exception($"the database connection was lost: {inner.Message}", inner);
