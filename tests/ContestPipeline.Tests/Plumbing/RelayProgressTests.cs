using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The relay's mark and gaps as pure logic: one row per round, what it read and delivered, and
/// where the mark and the gaps stand after it.
/// </summary>
public sealed class RelayProgressTests
{
    private static OutboxGap G(long from, long to, long horizon = 50) => new(from, to, horizon);

    public static TheoryData<string, long, OutboxGap[], long[], long[], long, long, OutboxGap[]> Rounds => new()
    {
        // name, mark, gaps before, ids read, ids delivered, oldest transaction running, horizon of the read, gaps after
        { "nothing read, nothing waits", 10, [], [], [], 40, 50, [] },
        { "contiguous rows move the mark", 10, [], [11, 12, 13], [11, 12, 13], 40, 50, [] },
        { "an id skipped becomes a gap at the read's horizon", 10, [], [11, 14], [11, 14], 40, 50, [G(12, 13)] },
        { "a gap before the first row read", 10, [], [13], [13], 40, 50, [G(11, 12)] },
        { "the mark stops before the first row not delivered", 10, [], [11, 12, 13], [11, 13], 40, 50, [] },
        { "a failed row leaves no gap: it is read again", 10, [], [11, 14, 15], [11], 40, 50, [] },
        { "a gap row that commits is sent and the gap closes around it", 20, [G(12, 14, 30)], [13], [13], 25, 50,
            [G(12, 12, 30), G(14, 14, 30)] },
        { "a whole gap filled closes", 20, [G(12, 13, 30)], [12, 13], [12, 13], 25, 50, [] },
        { "a gap stays while a transaction below its horizon runs", 20, [G(12, 13, 30)], [], [], 29, 50,
            [G(12, 13, 30)] },
        { "a gap settles once the oldest running transaction reaches its horizon", 20, [G(12, 13, 30)], [],
            [], 30, 50, [] },
        { "a settled gap keeps a row it read and could not deliver", 20, [G(12, 13, 30)], [13], [], 31, 50,
            [G(13, 13, 30)] },
        { "a gap row not delivered stays in its gap", 20, [G(12, 14, 30)], [13], [], 25, 50, [G(12, 14, 30)] },
        { "gap rows and new rows in one round", 20, [G(12, 13, 30)], [12, 21, 23], [12, 21, 23], 25, 60,
            [G(13, 13, 30), G(22, 22, 60)] },
    };

    [Theory]
    [MemberData(nameof(Rounds))]
    public void A_round_moves_the_mark_and_the_gaps(string name, long mark, OutboxGap[] gaps, long[] read, long[] sent,
        long runningFrom, long horizon, OutboxGap[] gapsAfter)
    {
        var step = RelayProgress.Next(mark, gaps, read, sent.ToHashSet(), runningFrom, horizon);

        var after = gaps.Except(step.Removed).Concat(step.Added).OrderBy(g => g.From).ToArray();
        Assert.True(gapsAfter.SequenceEqual(after), $"{name}: gaps {string.Join(", ", after)}");
        Assert.Empty(step.Removed.Except(gaps));
    }

    [Theory]
    [InlineData(10, new long[] { }, new long[] { }, 10)]
    [InlineData(10, new long[] { 11, 12, 13 }, new long[] { 11, 12, 13 }, 13)]
    [InlineData(10, new long[] { 11, 14 }, new long[] { 11, 14 }, 14)]
    [InlineData(10, new long[] { 11, 12, 13 }, new long[] { 11, 13 }, 11)]
    [InlineData(10, new long[] { 11, 12, 13 }, new long[] { 12, 13 }, 10)]
    [InlineData(20, new long[] { 13, 21 }, new long[] { 13, 21 }, 21)]
    public void The_mark_moves_over_the_new_rows_delivered_in_order(long mark, long[] read, long[] sent, long markAfter)
    {
        var gaps = mark == 20 ? new[] { G(13, 13, 30) } : [];
        Assert.Equal(markAfter, RelayProgress.Next(mark, gaps, read, sent.ToHashSet(), 25, 50).ReadThrough);
    }

    [Fact]
    public void A_round_that_changes_nothing_says_so_and_writes_nothing()
    {
        var step = RelayProgress.Next(20, [G(12, 13, 30)], [], new HashSet<long>(), 29, 50);
        Assert.False(step.Changes(20));
        Assert.True(RelayProgress.Next(20, [G(12, 13, 30)], [], new HashSet<long>(), 30, 50).Changes(20));
        Assert.True(RelayProgress.Next(20, [], [21], new HashSet<long> { 21 }, 30, 50).Changes(20));
    }

    /// <summary>
    /// Seeded rounds against a model of Postgres: transactions take their ids in order as they
    /// start, run for a while and commit or roll back, so rows become visible in any order;
    /// deliveries fail now and then. Every committed row is delivered, and once every transaction
    /// has ended the mark is at the last committed id and no gap is left. A gap settled too early would
    /// lose the row that commits into it afterwards.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_committed_row_is_delivered_whatever_the_commit_order(int seed)
    {
        var random = new Random(seed);
        const int rows = 600;
        // Id i is taken by the transaction with xid i, started at round i / 6, running 0-29 rounds.
        var startsAt = Enumerable.Range(1, rows).ToDictionary(id => (long)id, id => id / 6);
        var endsAt = startsAt.ToDictionary(s => s.Key, s => s.Value + random.Next(30));
        var rolledBack = startsAt.Keys.Where(_ => random.Next(10) == 0).ToHashSet();
        var mark = 0L;
        var gaps = new List<OutboxGap>();
        var delivered = new HashSet<long>();
        for (var round = 0; round < 300; round++)
        {
            bool Started(long id) => startsAt[id] <= round;
            bool Running(long id) => Started(id) && endsAt[id] > round;
            bool Visible(long id) => Started(id) && !Running(id) && !rolledBack.Contains(id);
            var horizon = startsAt.Keys.Where(Started).DefaultIfEmpty(0).Max() + 1;
            var runningFrom = startsAt.Keys.Where(Running).DefaultIfEmpty(horizon).Min();
            var fromGaps = gaps.SelectMany(g => Ids(g.From, g.To)).Where(Visible);
            var above = Ids(mark + 1, rows).Where(Visible).Take(40);
            var read = fromGaps.Concat(above).Order().ToList();
            var sent = read.Where(_ => random.Next(8) != 0).ToHashSet();
            delivered.UnionWith(sent);
            var step = RelayProgress.Next(mark, gaps, read, sent, runningFrom, horizon);
            gaps = [.. gaps.Except(step.Removed).Concat(step.Added).OrderBy(g => g.From)];
            mark = step.ReadThrough;
            Assert.True(gaps.Zip(gaps.Skip(1)).All(p => p.First.To < p.Second.From),
                $"seed {seed}: gaps overlap at round {round}");
            Assert.True(gaps.All(g => g.To <= mark), $"seed {seed}: a gap above the mark at round {round}");
        }
        Assert.Equal(startsAt.Keys.Except(rolledBack).Order(), delivered.Order());
        Assert.Equal(startsAt.Keys.Except(rolledBack).Max(), mark);
        Assert.Empty(gaps);
    }

    private static IEnumerable<long> Ids(long from, long to)
    {
        for (var id = from; id <= to; id++) yield return id;
    }
}
