using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Unclaimed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The unclaimed-prize policy: as a rule, and as Payout's job applies it against its real schema on a clock the test
/// moves (reminders on days 1, 3, 7 and 30, a warning to the operators on day 7, their decision asked on day 30, each
/// once, nothing for a prize whose winner onboarded).
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class UnclaimedPrizesTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Won = new(2031, 7, 1, 18, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.5, 0, null)]
    [InlineData(1, 0, 1)]
    [InlineData(2, 1, null)]
    [InlineData(3, 1, 3)]
    [InlineData(6.9, 3, null)]
    [InlineData(12, 3, 7)]
    [InlineData(45, 3, 30)]
    [InlineData(45, 30, null)]
    public void The_reminder_due_is_the_latest_reminder_day_passed_and_not_yet_sent(double days, int lastSent,
        int? due) =>
        Assert.Equal(due, UnclaimedPolicy.Due(Won, lastSent, Won.AddDays(days)));

    [Fact]
    public async Task
        A_prize_waiting_for_its_winners_account_reminds_them_on_the_policys_days_and_asks_the_operators_once()
    {
        await using var database = await fixture.WorkerDatabaseAsync(PayoutWorker.Name,
            PayoutWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await using (var conn = await db.OpenConnectionAsync())
            foreach (var (payout, player, state) in new[] { ("prize_una", "una", "awaiting_account"),
                ("prize_vic", "vic", "waiting") })
                await conn.ExecuteAsync("""
                    INSERT INTO payout.payouts (payout_id, contest_id, entry_id, player_id, amount_minor, currency,
                        state, reason, version, next_attempt_at, ordered_at, updated_at)
                    VALUES (@payout, 'sunday', 'entry_' || @player, @player, 2500, 'USD', @state, 'test', 1,
                        @won, @won, @won)
                    """, new { payout, player, state, won = Won });
        var clock = new ManualClock(Won.AddHours(12));
        var job = new RemindUnclaimedPrizesJob(new PayoutOptions());
        async Task AtAsync(double days)
        {
            clock.Advance(Won.AddDays(days) - clock.GetUtcNow());
            await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None);
        }

        await AtAsync(0.5);
        Assert.Empty(await TestOutbox.MessagesAsync<PrizeUnclaimed>(db, PayoutWorker.Name));
        foreach (var day in new[] { 1.1, 1.2, 3.5, 7.01, 8, 30.2, 31, 60 }) await AtAsync(day);

        var reminders = await TestOutbox.MessagesAsync<PrizeUnclaimed>(db, PayoutWorker.Name);
        Assert.Equal([1, 3, 7, 30], reminders.Select(r => r.DaysWaiting));
        Assert.All(reminders, r => Assert.Equal(("una", "prize_una", 2500L, "/recipients/una/onboarding-link"),
            (r.PlayerId, r.PayoutId, r.AmountMinor, r.OnboardingPath)));
        var alerts = await TestOutbox.MessagesAsync<AlertRaised>(db, PayoutWorker.Name);
        Assert.Equal(
            [("prize_unclaimed", AlertSeverities.Warning), ("prize_unclaimed_decision", AlertSeverities.Critical)],
            alerts.Select(a => (a.Code, a.Severity)));
        Assert.Contains("cpctl payouts reject prize_una", alerts[1].Message, StringComparison.Ordinal);
    }
}
