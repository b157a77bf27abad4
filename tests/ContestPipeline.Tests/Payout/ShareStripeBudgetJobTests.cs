using ContestPipeline.Payout;
using ContestPipeline.Payout.BudgetPool;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Two Payout instances pooling one Stripe rate through Payout's real schema, on a clock the test moves: the pool
/// goes to whoever has calls to make, a newcomer is counted by the other before it spends, one that ran dry
/// stops before the other takes its part, and a count not renewed stops earning. At no step do the two rates add
/// up above the pool.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ShareStripeBudgetJobTests(PipelineFixture fixture)
{
    private const int Pool = 100;

    // Long enough that a slow test machine's real seconds between two steps never age a row out of the count.
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(60);

    [Fact]
    public void The_pool_is_divided_between_the_instances_that_want_it_and_only_settled_ones_spend()
    {
        Assert.Equal(100, StripeBudget.PooledRate(100, 1, settled: true));
        Assert.Equal(50, StripeBudget.PooledRate(100, 2, settled: true));
        Assert.Equal(33, StripeBudget.PooledRate(100, 3, settled: true));   // rounded down: 99 in all, never 101
        Assert.Equal(0, StripeBudget.PooledRate(100, 2, settled: false));
        Assert.Equal(0, StripeBudget.PooledRate(100, 0, settled: true));
    }

    [Fact]
    public void A_pool_is_Payouts_alone_and_within_the_accounts_limit()
    {
        var settings = StripeServices.Read(Config(("CONTESTPIPELINE_STRIPE_POOL_RPS", "30")));
        Assert.Equal(30, settings.PoolRequestsPerSecond);
        Assert.Null(StripeServices.Read(Config()).PoolRequestsPerSecond);
        var problem = Assert.Single(StripeServices.Problems(settings, DeploymentEnvironment.Development));
        Assert.Contains("CONTESTPIPELINE_STRIPE_POOL_RPS: 30/s is above the account's limit of 25/s", problem,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_share_the_pool_by_who_has_calls_to_make_and_never_add_up_above_it()
    {
        await using var database = await fixture.WorkerDatabaseAsync(PayoutWorker.Name,
            PayoutWorker.Definition.AllMigrations);
        var db = database.DataSource;
        var clock = new ManualClock();
        using var a = Instance(clock);
        using var b = Instance(clock);
        var jobA = new ShareStripeBudgetJob(a, Pool, "payout-a", NullLogger.Instance, Fresh);
        var jobB = new ShareStripeBudgetJob(b, Pool, "payout-b", NullLogger.Instance, Fresh);
        var context = new JobContext(db, new OutboxStore(PayoutWorker.Name), clock);
        async Task<(int A, int B)> Tick(bool aWants, bool bWants, params ShareStripeBudgetJob[] jobs)
        {
            if (aWants) a.Budget.TryTake(out _);
            if (bWants) b.Budget.TryTake(out _);
            foreach (var job in jobs) Assert.False(await job.RunAsync(context, CancellationToken.None));
            var rates = (a.Budget.Rate, b.Budget.Rate);
            Assert.InRange(rates.Item1 + rates.Item2, 0, Pool);
            return rates;
        }

        // Neither has anything to send: both earn nothing.
        Assert.Equal((0, 0), await Tick(false, false, jobA, jobB));
        // A has transfers to make: counted at once, spending once settled, then the whole pool.
        Assert.Equal((0, 0), await Tick(true, false, jobA, jobB));
        clock.Advance(Fresh);
        Assert.Equal((Pool, 0), await Tick(true, false, jobA, jobB));

        // B gets work: A halves at its next count, while B waits to be settled.
        Assert.Equal((Pool, 0), await Tick(true, true, jobB));
        Assert.Equal((Pool / 2, 0), await Tick(true, true, jobA));
        clock.Advance(Fresh / 2);
        Assert.Equal((Pool / 2, 0), await Tick(true, true, jobA, jobB));
        clock.Advance(Fresh / 2);
        Assert.Equal((Pool / 2, Pool / 2), await Tick(true, true, jobA, jobB));

        // B runs dry: it stops when it says so, and A takes the whole pool at its next count.
        clock.Advance(ShareStripeBudgetJob.WantWindow);
        Assert.Equal((Pool / 2, 0), await Tick(true, false, jobB));
        Assert.Equal((Pool, 0), await Tick(true, false, jobA));

        // A's count not renewed (the database out of reach): its rate lapses.
        clock.Advance(Fresh);
        Assert.Equal((0, 0), (a.Budget.Rate, b.Budget.Rate));
    }

    private static StripeApi Instance(ManualClock clock) => new(new StripeSettings
    {
        SecretKey = "sk_test_pool",
        BaseAddress = new Uri("http://127.0.0.1:9/"),
        PoolRequestsPerSecond = Pool,
        AccountRequestsPerSecond = Pool,
        RequestBurst = 1,
    }, clock, NullLogger<StripeApi>.Instance);

    private static IConfiguration Config(params (string Name, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(
            settings.Select(s => new KeyValuePair<string, string?>(s.Name, s.Value))
                .Append(new("CONTESTPIPELINE_STRIPE_KEY", "sk_test_x"))).Build();
}
