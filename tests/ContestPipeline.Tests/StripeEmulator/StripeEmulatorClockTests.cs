using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Tests.Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>Stripe's clock, moved on by a test: what a day later means for idempotency keys and timestamps.</summary>
public sealed class StripeEmulatorClockTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_key_a_day_old_on_the_advanced_clock_makes_a_new_transfer_as_after_stripe_forgot_it()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = new TransferCreate(1_000, "usd", winner, "contest-1");
        var control = RawHttp();

        var first = await Client.CreateTransferAsync(transfer, "payout:po-1");
        using var almost = await control.PostAsJsonAsync("_emulator/clock/advance", new { seconds = 86_399 });
        var replayed = await Client.CreateTransferAsync(transfer, "payout:po-1");
        using var aDay = await control.PostAsJsonAsync("_emulator/clock/advance", new { seconds = 1 });
        var forgotten = await Client.CreateTransferAsync(transfer, "payout:po-1");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (almost.StatusCode, aDay.StatusCode));
        Assert.Equal(first.Id, replayed.Id);
        Assert.NotEqual(first.Id, forgotten.Id);
        Assert.Equal([false, true, false], RequestsTo("POST", "/v1/transfers").Select(r => r.Replayed));
        Assert.Equal(2, Stripe.Ledger().Transfers.Count(t => t.IdempotencyKey == "payout:po-1"));
        Assert.Equal(8_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task Objects_and_events_made_after_an_advance_carry_the_later_time()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var control = RawHttp();
        var before = (await control.GetFromJsonAsync<JsonElement>("_emulator/clock")).GetProperty("now").GetInt64();

        using var advanced = await control.PostAsJsonAsync("_emulator/clock/advance", new { seconds = 3 * 86_400 });
        var now = JsonDocument.Parse(await advanced.Content.ReadAsStringAsync()).RootElement.GetProperty("now")
            .GetInt64();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner), "payout:po-1");

        Assert.InRange(now - before, 3 * 86_400, 3 * 86_400 + 60);
        var created = new DateTimeOffset(DateTime.SpecifyKind(transfer.Created, DateTimeKind.Utc));
        Assert.InRange(created.ToUnixTimeSeconds(), now, now + 60);
        Assert.InRange(Stripe.Events()[^1].Created, now, now + 60);
        Assert.InRange(Stripe.Now.ToUnixTimeSeconds(), now, now + 60);
    }

    [Fact]
    public async Task Stripes_clock_never_runs_backwards()
    {
        using var refused = await RawHttp().PostAsJsonAsync("_emulator/clock/advance", new { seconds = -1 });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Throws<ArgumentOutOfRangeException>(() => Stripe.AdvanceClock(TimeSpan.FromSeconds(-1)));
    }
}
