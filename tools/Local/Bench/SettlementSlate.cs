using ContestPipeline.Rules.Ledger;
using System.Globalization;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Contracts;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Settlement.Ledger;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// A COMPLETE contest as Settlement would have recorded it from its topics, written straight
/// into its schema (a million entries through Kafka is not what the settlement figures are
/// about): the definition with a ranked table of fine (parts-per-billion) shares over the paid
/// places, every entry, and final standings with ties, in chunks as Scoring publishes them.
/// Used by <c>cpdev bench settlement</c> and the chunked-settlement tests.
/// </summary>
public static class SettlementSlate
{
    public const long EntryFeeMinor = 2_000;

    /// <summary>
    /// A ranked table over <paramref name="paidPlaces"/> places in rows of growing width (1, 2,
    /// 3, 4-5, 6-10, 11-20, 21-50, ...), each place's share falling with its place, the
    /// leftover parts per billion on first place.
    /// </summary>
    public static ContestDefined Contest(string contestId, int paidPlaces, int entries) => new(
        contestId, "Settlement benchmark", ContestKinds.Fitness, "USD", EntryFeeMinor, 2, Math.Max(entries, 2), 1_000,
        DateTimeOffset.UnixEpoch, ["g1"], [new ScoringRule("steps", 1)], 0,
        new PrizeTable(PrizeTableKinds.Ranked, Places: Table(paidPlaces)), new PoolRule(PoolModes.Rake, RakeBp: 1_000),
        PlatformFeeBp: 300);

    private static List<PrizePlace> Table(int paid)
    {
        var bounds = new List<int> { 1, 2, 3, 4, 6 };
        for (long step = 10; step <= paid; step *= 10)
            foreach (var m in new[] { 1, 2, 5 }) bounds.Add(checked((int)Math.Min(int.MaxValue, m * step + 1)));
        bounds.RemoveAll(b => b > paid);
        var rows = new List<(int From, int To)>();
        for (var i = 0; i < bounds.Count; i++) rows.Add((bounds[i], i + 1 < bounds.Count ? bounds[i + 1] - 1 : paid));
        var scale = (long)(PrizePlace.SharePpbWhole / (2 * (Math.Log(paid) + 1)));
        var shares = rows.Select(r => Math.Max(1_000, scale / r.From)).ToArray();
        var total = rows.Select((r, i) => shares[i] * (r.To - r.From + 1)).Sum();
        shares[0] += PrizePlace.SharePpbWhole - total;
        if (shares[0] < (shares.Length > 1 ? shares[1] : 0))
            throw new InvalidOperationException($"a table of {paid} places does not fit");
        return [.. rows.Select((r, i) => new PrizePlace(r.From, r.To, 0, checked((int)shares[i])))];
    }

    /// <summary>
    /// Final standings of <paramref name="entries"/> entries, best first, with about one entry in
    /// five tied with the one before (groups of 2 to 5), and entry ids whose ordinal order is not
    /// their index, so ties are broken by id as the published rule says.
    /// </summary>
    public static StandingRow[] Standings(string contestId, int entries, int seed)
    {
        var random = new Random(seed);
        var rows = new StandingRow[entries];
        long score = 10L * entries + 1_000;
        var rank = 1;
        for (var i = 0; i < entries; i++)
        {
            var tied = i > 0 && random.Next(5) == 0;
            if (!tied)
            {
                score -= 1 + random.Next(10);
                rank = i + 1;
            }
            rows[i] = new StandingRow(rank, EntryId(contestId, i), PlayerId(i), score);
        }
        return rows;
    }

    public static string EntryId(string contestId, int i) =>
        string.Create(CultureInfo.InvariantCulture, $"{contestId}-e{unchecked((uint)(i * 2_654_435_761L)):x8}{i}");

    public static string PlayerId(int i) => string.Create(CultureInfo.InvariantCulture, $"player{i}");

    public static string PaymentIntentId(string contestId, int i) =>
        string.Create(CultureInfo.InvariantCulture, $"pi_{contestId}_{i}");

    /// <summary>The entries' fees as the tests' one-piece settlement takes them (for a test's expectations).</summary>
    public static List<EntryFee> Fees(string contestId, StandingRow[] standings) =>
        [.. standings.Select((r, i) => new EntryFee(r.EntryId, EntryFeeMinor, PaymentIntentId(contestId, i)))];

    /// <summary>The last standings chunk <see cref="SeedAsync"/> held back: with it, the contest can be
    /// settled.</summary>
    public static async Task SeedLastChunkAsync(NpgsqlConnection conn, ContestDefined contest, StandingRow[] standings,
        CancellationToken ct)
    {
        var chunks = standings.Chunk(FinalStandingsPublished.RowsPerChunkMax).ToList();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO settlement.standings_chunks (contest_id, chunk_index, chunk_count, rows)
            VALUES (@id, @index, @count, @rows)
            """, conn);
        cmd.Parameters.AddWithValue("id", contest.ContestId);
        cmd.Parameters.AddWithValue("index", chunks.Count - 1);
        cmd.Parameters.AddWithValue("count", chunks.Count);
        cmd.Parameters.AddWithValue("rows", JsonSerializer.Serialize(chunks[^1], OutgoingMessage.Json));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Writes the contest COMPLETE, its entries (binary COPY) and its final standings in chunks
    /// of <see cref="FinalStandingsPublished.RowsPerChunkMax"/>, as Settlement's handlers would
    /// have from <c>contest.lifecycle</c> and <c>standings</c>.
    /// </summary>
    public static async Task SeedAsync(NpgsqlConnection conn, ContestDefined contest, StandingRow[] standings,
        CancellationToken ct, bool holdLastChunk = false)
    {
        var chunks = standings.Chunk(FinalStandingsPublished.RowsPerChunkMax).ToList();
        var completed = new ContestCompleted(contest.ContestId, standings.Length, chunks.Count, "bench", "bench",
            DateTimeOffset.UnixEpoch);
        // Each fee as EntryAcceptedHandler journals it: in the platform's Stripe balance, held for
        // the contest; 50,000 entries a transaction, so the ledger's balance trigger checks each
        // batch at its own commit. They go first: the contest is settleable only once it is all written.
        var currency = Currency.Parse(contest.Currency);
        var fee = new Money(EntryFeeMinor, currency);
        foreach (var chunk in standings.Select((r, i) => (r.EntryId, i)).Chunk(50_000))
        {
            await using var feeTx = await conn.BeginTransactionAsync(ct);
            await JournalStore.AppendNewAsync(new HandlerContext(conn, feeTx, TimeProvider.System),
                [.. chunk.Select(e => new JournalEntry($"fee:{e.EntryId}", contest.ContestId, "entry_fee_collected",
                    $"entry fee of {e.EntryId} ({PaymentIntentId(contest.ContestId, e.i)})",
                    [Posting.Debit(Accounts.StripeBalance, fee),
                        Posting.Credit(Accounts.EntryFees(contest.ContestId), fee)]))]);
            await feeTx.CommitAsync(ct);
        }

        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO settlement.contests (contest_id, definition, state, completed, completed_by)
            VALUES (@id, @definition::jsonb, 'COMPLETE', @completed::jsonb, @by)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", contest.ContestId);
            cmd.Parameters.AddWithValue("definition", JsonSerializer.Serialize(contest, OutgoingMessage.Json));
            cmd.Parameters.AddWithValue("completed", JsonSerializer.Serialize(completed, OutgoingMessage.Json));
            cmd.Parameters.AddWithValue("by", ContestCompleted.MessageIdFor(contest.ContestId));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var writer = await conn.BeginBinaryImportAsync(
            "COPY settlement.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency) FROM "
                + "STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < standings.Length; i++)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(standings[i].EntryId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(contest.ContestId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(standings[i].PlayerId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(PaymentIntentId(contest.ContestId, i), NpgsqlDbType.Text, ct);
                await writer.WriteAsync(EntryFeeMinor, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(contest.Currency, NpgsqlDbType.Text, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await using (var writer = await conn.BeginBinaryImportAsync(
            "COPY settlement.standings_chunks (contest_id, chunk_index, chunk_count, rows) FROM STDIN (FORMAT BINARY)",
            ct))
        {
            for (var i = 0; i < chunks.Count - (holdLastChunk ? 1 : 0); i++)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(contest.ContestId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(i, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(chunks.Count, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(JsonSerializer.Serialize(chunks[i], OutgoingMessage.Json),
                    NpgsqlDbType.Text, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
    }
}
