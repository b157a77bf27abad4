using ContestPipeline.Contracts.Entries;
using ContestPipeline.Ingestion;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Ingestion.Payments;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using PaymentIntent = Stripe.PaymentIntent;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// Ingestion's two polls over undecided submissions, on its schema in a database of its own: which contests have a
/// submission to decide now, and which submissions' payments to look up. Neither reads a rush's backlog of
/// submissions that wait only to be decided on every round; both must still find everything they found before.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class SubmissionPollTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private static SubmissionStore.Arrival Arrival(string id, string contest, DateTimeOffset at) =>
        new(new EntrySubmitted(id, contest, "player-" + id, "pi_" + id, null, at), at, at, "m-" + id, "c-" + id);

    private static Task PaidAsync(TransactionContext context, params string[] submissions)
    {
        var facts = new PaymentFacts();
        foreach (var s in submissions)
            facts.Intent(new PaymentIntent
            {
                Id = "pi_" + s, Status = "succeeded", Amount = 1_000, AmountReceived = 1_000, Currency = "usd",
                Metadata = [],
            });
        return PaymentStore.RecordFactsAsync(context, facts, source: "list");
    }

    [Fact]
    public async Task Contests_with_a_submission_to_decide_come_by_their_first_such_submission_and_skip_the_resting()
    {
        var clock = new ManualClock(T0);
        await using var rig = await RigAsync(clock);
        await rig.ApplyAsync(async c =>
        {
            await SubmissionStore.RecordAsync(c, [
                Arrival("a1", "a", T0), Arrival("a2", "a", T0.AddMilliseconds(300)),
                Arrival("b1", "b", T0.AddMilliseconds(200)), Arrival("c1", "c", T0.AddMilliseconds(100)),
                Arrival("d1", "d", T0.AddMilliseconds(50)),
            ], Wait);
            // a's first submission and c's only one wait for their payment; a's second, b's and d's can be decided.
            await PaidAsync(c, "a2", "b1", "d1");
        });

        async Task<string> Poll(int limit, params string[] resting)
        {
            IReadOnlyList<string> found = [];
            await rig.ApplyAsync(async c =>
                found = await SubmissionStore.ContestsWithDecidableAsync(c, limit, resting));
            return string.Join(",", found);
        }

        Assert.Equal("d,b,a", await Poll(10));
        Assert.Equal("b,a", await Poll(10, "d"));
        Assert.Equal("d", await Poll(1));
        // Decided, d has nothing left to decide; c's payment arrives and c comes by its submission's time.
        await rig.ApplyAsync(async c =>
        {
            var d = new SubmissionStore.Decisions();
            d.Decided.Add(("d1", "Accepted"));
            await SubmissionStore.SaveAsync(c, "d", d, contestExists: false);
            await PaidAsync(c, "c1");
        });
        Assert.Equal("c,b,a", await Poll(10));
    }

    [Fact]
    public async Task
        A_round_from_where_the_last_one_stopped_finds_what_came_due_since_and_a_full_read_the_lapsed_claims()
    {
        var clock = new ManualClock(T0);
        await using var rig = await RigAsync(clock);
        foreach (var id in new[] { "s1", "s2", "s3" })
        {
            await rig.ApplyAsync(c => SubmissionStore.RecordAsync(c, [Arrival(id, "x", clock.GetUtcNow())], Wait));
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        await rig.ApplyAsync(c => PaidAsync(c, "s1"));
        clock.Advance(TimeSpan.FromSeconds(3)); // T0 + 3.3 s: every fetch time (T0 + 2.0, 2.1, 2.2 s) has come.

        async Task<PaymentStore.FetchClaim> Claim(int limit, DateTimeOffset? from)
        {
            PaymentStore.FetchClaim? claim = null;
            await rig.ApplyAsync(async c =>
                claim = await PaymentStore.ClaimFetchesAsync(c, limit, Lease, from, Margin));
            return claim!;
        }
        static string Ids(PaymentStore.FetchClaim claim) =>
            string.Join(",", claim.Claimed.Select(c => c.SubmissionId).Order(StringComparer.Ordinal));

        // s1's payment came: never looked up. A full round stops at its limit and reads up to what it claimed.
        var first = await Claim(1, from: null);
        Assert.Equal("s2", Ids(first));
        Assert.Equal(T0 + Wait + TimeSpan.FromMilliseconds(100), first.ReadTo);
        var second = await Claim(10, first.ReadTo);
        Assert.Equal("s3", Ids(second));
        Assert.Equal(clock.GetUtcNow() - Margin, second.ReadTo);

        // A submission due after that is found from where the round before stopped.
        await rig.ApplyAsync(c => SubmissionStore.RecordAsync(c, [Arrival("s4", "x", clock.GetUtcNow())], Wait));
        clock.Advance(TimeSpan.FromSeconds(3));
        var third = await Claim(10, second.ReadTo);
        Assert.Equal("s4", Ids(third));

        // Every due submission is claimed: a later round finds nothing, and moves on.
        clock.Advance(TimeSpan.FromSeconds(2));
        var fourth = await Claim(10, third.ReadTo);
        Assert.Empty(fourth.Claimed);
        Assert.Equal(clock.GetUtcNow() - Margin, fourth.ReadTo);

        // The claims lapse: a round from where the last one stopped does not go back for them; a full round does.
        clock.Advance(Lease);
        Assert.Empty((await Claim(10, fourth.ReadTo)).Claimed);
        Assert.Equal("s2,s3,s4", Ids(await Claim(10, from: null)));
    }

    private Task<SchemaRig> RigAsync(ManualClock clock) =>
        SchemaRig.StartAsync(fixture, IngestionWorker.Name, IngestionWorker.Definition.AllMigrations, clock);
}
