using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Plumbing.Canary;

/// <summary>The hops of the end-to-end probe this worker took part in (<c>canary_hops</c>, plumbing/0002).</summary>
internal sealed class CanaryStore(string schema)
{
    private readonly string _table = SqlNames.Identifier(schema) + ".canary_hops";

    /// <summary>
    /// Records this stage's hop of a canary. Deliberately not "ON CONFLICT DO NOTHING": the inbox alone must keep a
    /// redelivered canary from being applied again, and if it ever failed to, this insert would fail loudly (and the
    /// canary would be dead-lettered) instead of hiding it.
    /// </summary>
    public Task RecordHopAsync(TransactionContext context, string id, string stage, string[] hops) =>
        context.Connection.ExecuteAsync(
            $"INSERT INTO {_table} (canary_id, stage, hops) VALUES (@id, @stage, @hops)",
            new { id, stage, hops }, context.Transaction);
}
