using ContestPipeline.Cpctl.Restores;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl restore record: a restore of a worker's schema recorded unreconciled, with the copy's time, who and why;
/// refused with why, and nothing recorded, for an unknown worker, a time that is not one, a copy from the future or a
/// schema without the table; a dry run records nothing.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class RestoreRecordTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_restore_is_recorded_unreconciled_with_the_copy_s_time_who_and_why()
    {
        var schema = await fixture.NewSchemaAsync();
        var copy = DateTimeOffset.UtcNow.AddHours(-3);
        var output = new StringWriter();
        Assert.Equal(0, await RestoreCommand.RecordAsync(fixture.DataSource, "payout", schema, copy, "ann",
            "disk lost", dryRun: true, output, TextWriter.Null, CancellationToken.None));
        Assert.StartsWith("dry run: would record restore restore-", output.ToString(), StringComparison.Ordinal);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.restores"));

        output = new StringWriter();
        Assert.Equal(0, await RestoreCommand.RecordAsync(fixture.DataSource, "payout", schema, copy, "ann",
            "disk lost", dryRun: false, output, TextWriter.Null, CancellationToken.None));
        var lines = output.ToString().Trim().Split('\n');
        Assert.Matches($@"^{schema}: restore restore-\S+ recorded \(copy taken .+, by ann\)$", lines[0]);
        Assert.StartsWith("payout sends no transfer and no refund until it has read Stripe's transfers", lines[1],
            StringComparison.Ordinal);
        var row = await conn.QuerySingleAsync<(DateTime CopyTakenAt, string Operator, string Reason, DateTime? Done)>(
            $"SELECT copy_taken_at, operator, reason, reconciled_at FROM {schema}.restores");
        Assert.Equal(copy.UtcDateTime, row.CopyTakenAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(("ann", "disk lost", (DateTime?)null), (row.Operator, row.Reason, row.Done));
    }

    [Fact]
    public async Task An_unknown_worker_a_time_that_is_not_one_a_copy_from_the_future_or_no_restores_table_is_refused()
    {
        var error = new StringWriter();
        Assert.Equal(1, await RestoreCommand.RecordAsync("nobody", "2026-11-22T18:00:00Z", null, "ann", "r", false,
            TextWriter.Null, error, CancellationToken.None));
        Assert.StartsWith("restore record: unknown worker 'nobody' (one of: ingestion, ", error.ToString(),
            StringComparison.Ordinal);
        error = new StringWriter();
        Assert.Equal(1, await RestoreCommand.RecordAsync("payout", "last night", null, "ann", "r", false,
            TextWriter.Null, error, CancellationToken.None));
        Assert.Contains("--copy-taken-at 'last night' is not an ISO 8601 time", error.ToString(),
            StringComparison.Ordinal);
        error = new StringWriter();
        var schema = await fixture.NewSchemaAsync();
        Assert.Equal(1, await RestoreCommand.RecordAsync(fixture.DataSource, "payout", schema,
            DateTimeOffset.UtcNow.AddHours(1), "ann", "r", false, TextWriter.Null, error, CancellationToken.None));
        Assert.Contains("is in the future", error.ToString(), StringComparison.Ordinal);
        error = new StringWriter();
        Assert.Equal(1, await RestoreCommand.RecordAsync(fixture.DataSource, "payout", "no_such_schema",
            DateTimeOffset.UtcNow, "ann", "r", false, TextWriter.Null, error, CancellationToken.None));
        Assert.Contains("nothing was recorded", error.ToString(), StringComparison.Ordinal);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.restores"));
    }
}
