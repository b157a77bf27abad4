using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Ingestion;
using ContestPipeline.Ingestion.Payments;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Stripe limits the account, not the process. Two worker processes calling Stripe at once,
/// each with its share of one account budget, never exceed the account's limit: the
/// Stripe-compatible server, enforcing that limit with 429 as Stripe does, answers none of
/// their requests 429.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class StripeBudgetTests(PipelineFixture fixture)
{
    private const int AccountLimit = 10;
    private const int Submissions = 120;

    [Fact]
    public void Shares_that_add_up_pass_the_set_up_check_and_shares_that_do_not_are_named()
    {
        Assert.Empty(StripeBudget.Problems(25, [new("ingestion", 5, 5), new("payout", 20, 5)]));
        var problems = StripeBudget.Problems(25, [new("ingestion", 20, 5), new("payout", 20, 5)]);
        Assert.Contains(
            "add up to 40/s, above the account's limit of 25/s (ingestion 20/s burst 5, payout 20/s burst 5)",
            Assert.Single(problems), StringComparison.Ordinal);
        var split = StripeBudget.Split(100, [("ingestion", 1), ("ingestion", 1), ("payout", 3), ("payout", 3)]);
        Assert.Empty(StripeBudget.Problems(100, split));
        Assert.Equal([12, 12, 37, 37], split.Select(s => s.RequestsPerSecond));
    }

    [Fact]
    public async Task Two_processes_verifying_payments_at_once_stay_within_the_account_limit()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        // The processes split four fifths of the account's limit: a process held back (a busy
        // machine, a pause) sends what its bucket saved all at once, and requests sent a moment
        // apart can arrive together; the fifth left over absorbs that, as a deployment's should.
        var shares = StripeBudget.Split(AccountLimit * 4 / 5, [("ingestion-1", 1), ("ingestion-2", 1)]);
        Assert.Empty(StripeBudget.Problems(AccountLimit, shares));
        await using var stripe = await StripeEmulator.StartAsync(
            new StripeEmulatorOptions { Seed = 11, RequestsPerSecondMax = AccountLimit });
        // No webhook endpoint: no events, so every payment is read from Stripe at once; each submission says it was
        // made before its payment, so no list of what was made before it shows the payment: a GET each.
        Dictionary<string, string?> Env(StripeBudget.Share share) => new()
        {
            [StripeServices.UrlVariable] = stripe.BaseUrl.ToString(),
            [StripeServices.AccountRateVariable] = AccountLimit.ToString(CultureInfo.InvariantCulture),
            [StripeServices.RateVariable] = share.RequestsPerSecond.ToString(CultureInfo.InvariantCulture),
            [StripeServices.BurstVariable] = share.Burst.ToString(CultureInfo.InvariantCulture),
            [IngestionOptions.Settings.PaymentEventWaitMs] = "0",
        };
        run.StartWorker("ingestion", env: Env(shares[0]));
        // The second instance: same worker, same consumer groups, its own process and share.
        await using var second = LocalServices.Start(Services.Ingestion, run.Swaps with { Stripe = stripe },
            Path.Combine(fixture.WorkDirectory, $"ingestion-2-{Guid.NewGuid():N}.log"), Env(shares[1]),
            label: "ingestion#2");

        using var world = new OutsideWorld(run.Iso.Broker.BootstrapServers, stripe);
        var lockAt = DateTimeOffset.UtcNow.AddHours(1);
        world.Schedule("walk", 1, lockAt.AddHours(1), "p");
        run.Define(Fitness("steps", lockAt, "walk") with { MaxEntries = Submissions, MaxEntriesPerPlayer = 1 });
        for (var i = 0; i < Submissions; i++)
        {
            var player = "p" + i.ToString("000", CultureInfo.InvariantCulture);
            world.Submit(Entry("s-" + player, "steps", player, world.Pay("steps", player, Fee))
                with { SubmittedAt = DateTimeOffset.UtcNow - VerifyPaymentsJob.ListLookBack * 2 });
        }

        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Count(m => m.Type == EntryAccepted.MessageType), n => n == Submissions,
            $"{Submissions} entries verified by GET and accepted", TimeSpan.FromSeconds(120));
        var requests = stripe.Requests();
        Assert.True(requests.Count(r => r.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal))
            >= Submissions);
        Assert.Equal(0, requests.Count(r => r.Status == 429));
    }
}
