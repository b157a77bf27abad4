using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A winner Stripe will not give an account (Connect not enabled for the platform), against Payout's real schema and
/// the Stripe-compatible server over HTTP, on a clock the test moves: the operators and the winner are told once, the
/// creation is tried again a day later rather than every 30 s, and once the cause is fixed the account is made.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class OnboardingRefusalTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2031, 6, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_refused_account_is_told_once_and_tried_again_a_day_later_until_the_cause_is_fixed()
    {
        await using var database = await fixture.WorkerDatabaseAsync(PayoutWorker.Name,
            PayoutWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 21 });
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO payout.payouts (payout_id, contest_id, entry_id, player_id, amount_minor, currency, state,
                    reason, version, next_attempt_at, ordered_at, updated_at)
                VALUES ('prize_zed', 'sunday', 'entry_zed', 'zed', 1500, 'USD', 'awaiting_account', 'no account', 1,
                    @now, @now, @now)
                """, new { now = Now });
        stripe.SetConnectEnabled(false);
        var clock = new ManualClock(Now);
        using var client = new StripeApi(new StripeSettings { SecretKey = stripe.ApiKey, BaseAddress = stripe.BaseUrl },
            clock,
            NullLogger<StripeApi>.Instance);
        var job = new OnboardRecipientsJob(client, new PayoutOptions(), new CrashPoints(null),
            NullLogger<OnboardRecipientsJob>.Instance);
        async Task RunAsync() =>
            await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None);

        await RunAsync();
        var alert = Assert.Single(await TestOutbox.MessagesAsync<AlertRaised>(db, PayoutWorker.Name));
        Assert.Equal(("recipient_account_refused", AlertSeverities.Critical, "zed"),
            (alert.Code, alert.Severity, alert.Subject));
        var told = Assert.Single(await TestOutbox.MessagesAsync<RecipientAccountChanged>(db, PayoutWorker.Name));
        Assert.Equal(("zed", RecipientAccountStates.Refused, (string?)null),
            (told.PlayerId, told.State, told.AccountId));
        var posts = PostsToAccounts(stripe);

        // Half a minute and an hour later: not asked again (a refusal that will not change is not retried every 30 s).
        clock.Advance(TimeSpan.FromSeconds(31));
        await RunAsync();
        clock.Advance(TimeSpan.FromHours(1));
        await RunAsync();
        Assert.Equal(posts, PostsToAccounts(stripe));

        // A day later it is asked again, refused again for the same reason: nobody is told twice.
        clock.Advance(TimeSpan.FromHours(24));
        await RunAsync();
        Assert.Equal(posts + 1, PostsToAccounts(stripe));
        Assert.Single(await TestOutbox.MessagesAsync<AlertRaised>(db, PayoutWorker.Name));
        Assert.Single(await TestOutbox.MessagesAsync<RecipientAccountChanged>(db, PayoutWorker.Name));

        // The platform enables Connect: the next day's try makes the account and asks the winner to onboard.
        stripe.SetConnectEnabled(true);
        clock.Advance(TimeSpan.FromHours(24));
        await RunAsync();
        Assert.Single(await TestOutbox.MessagesAsync<RecipientOnboardingNeeded>(db, PayoutWorker.Name));
        await using var read = await db.OpenConnectionAsync();
        Assert.StartsWith("acct_",
            await read.ExecuteScalarAsync<string>("SELECT account_id FROM payout.recipients WHERE player_id = 'zed'"),
            StringComparison.Ordinal);
    }

    private static int PostsToAccounts(StripeEmulator stripe) =>
        stripe.Requests().Count(r => r.Method == "POST" && r.Path == "/v1/accounts");
}
