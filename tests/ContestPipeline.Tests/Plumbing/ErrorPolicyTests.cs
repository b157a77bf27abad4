using ContestPipeline.Plumbing.Messaging;
using Npgsql;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>Which kind a failure is decides whether a worker retries or stops: pure classification, no I/O.</summary>
public sealed class ErrorPolicyTests
{
    [Fact]
    public void An_ObjectDisposedException_out_of_Npgsql_is_a_lost_connection_and_retried()
    {
        // A connector Npgsql disposed under a command fails the command from Npgsql's own code,
        // as a Postgres restart did in the fault campaign (57P01, then ObjectDisposedException
        // from NpgsqlConnector.ResetCancellation); a disposed connection reached here the same way.
        var connection = new NpgsqlConnection("Host=127.0.0.1;Port=1;Username=nobody;Database=none");
        connection.Dispose();
        var e = Assert.ThrowsAny<ObjectDisposedException>(() => connection.Open());

        Assert.Equal(FailureKind.Transient, ErrorPolicy.Classify(e));
    }

    [Fact]
    public void An_ObjectDisposedException_of_our_own_is_a_bug_and_stops_the_worker()
    {
        var gate = new SemaphoreSlim(1);
        gate.Dispose();
        var e = Assert.ThrowsAny<ObjectDisposedException>(() => gate.Wait(0));

        Assert.Equal(FailureKind.Bug, ErrorPolicy.Classify(e));
        Assert.Equal(FailureKind.Bug, ErrorPolicy.Classify(new ObjectDisposedException("board")));
    }

    [Theory]
    [InlineData("57P01", FailureKind.Transient)] // terminating connection due to administrator command (a restart)
    [InlineData("57P02", FailureKind.Transient)] // crash shutdown
    [InlineData("57P03", FailureKind.Transient)] // the database system is shutting down, or starting up
    [InlineData("08006", FailureKind.Transient)] // connection failure
    [InlineData("08001", FailureKind.Transient)] // unable to establish a connection
    [InlineData("53300", FailureKind.Transient)] // too many connections
    [InlineData("40001", FailureKind.Conflict)]
    [InlineData("40P01", FailureKind.Conflict)]
    [InlineData("23505", FailureKind.Bug)]       // a unique violation nobody expected
    [InlineData("42P01", FailureKind.Bug)]       // a table that does not exist
    public void Postgres_saying_it_is_unavailable_is_an_outage_and_saying_the_request_is_wrong_is_a_bug(string sqlState,
        FailureKind kind) =>
        Assert.Equal(kind, ErrorPolicy.Classify(new PostgresException("m", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void A_lost_connection_and_outages_met_together_are_outages_and_a_bug_among_them_is_a_bug()
    {
        var outage = new PostgresException("m", "FATAL", "FATAL", "57P01");
        Assert.Equal(FailureKind.Transient, ErrorPolicy.Classify(
            new DatabaseConnectionLostException(new InvalidOperationException("Connection is not open"))));
        Assert.Equal(FailureKind.Transient,
            ErrorPolicy.Classify(new AggregateException(outage, new DatabaseConnectionLostException(outage))));
        Assert.Equal(FailureKind.Bug,
            ErrorPolicy.Classify(new AggregateException(outage, new InvalidOperationException("ours"))));
    }
}
