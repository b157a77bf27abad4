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
}
