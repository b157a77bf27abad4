using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Stripe;
using Xunit;
using Codes = ContestPipeline.StripeEmulation.FailureCodes;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>
/// Money taken back from a winner: reversals under Stripe's idempotency and balance rules, and transfers failed by
/// test control as legacy transfers failed, so the pipeline's recoveries and retries can be watched.
/// </summary>
public sealed class StripeEmulatorTransferTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_reversal_replays_under_its_key_and_refuses_the_key_with_another_amount()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");

        var first = await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(400), "back:1");
        var replayed = await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(400), "back:1");
        var conflict = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(500), "back:1"));
        var read = await Client.GetTransferAsync(transfer.Id);

        Assert.Equal(first.Id, replayed.Id);
        Assert.Equal((400, StripeErrorTypes.IdempotencyError), (conflict.HttpStatus, conflict.Type));
        Assert.Equal((400L, false), (read.AmountReversed, read.Reversed));
        Assert.Equal([400L], Stripe.Ledger().Reversals.Select(r => r.Amount));
        var reversed = Assert.Single(Stripe.Events(), e => e.Type == "transfer.reversed");
        var sent = await EventAsync(reversed.Id);
        Assert.Equal(0, sent.GetProperty("data").GetProperty("previous_attributes").GetProperty("amount_reversed")
            .GetInt64());
        Assert.Equal("back:1", sent.GetProperty("request").GetProperty("idempotency_key").GetString());
    }

    [Fact]
    public async Task A_reversal_beyond_what_the_winner_still_holds_is_refused_and_a_partial_one_recovers_the_rest()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        // The winner already took most of the prize to the bank.
        Stripe.CreatePayout(winner, 700, "usd");

        var refused = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(), "back:all"));
        var replayed = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(), "back:all"));
        var partial = await Client.CreateTransferReversalAsync(transfer.Id,
            new TransferReversalCreate(300), "back:what-is-left");
        var read = await Client.GetTransferAsync(transfer.Id);

        Assert.Equal((400, StripeErrorCodes.BalanceInsufficient, false),
            (refused.HttpStatus, refused.Code, refused.IsRetryable));
        Assert.Contains(winner, refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Code, replayed.Code);
        Assert.Equal((300L, 300L, false), (partial.Amount, read.AmountReversed, read.Reversed));
        Assert.Equal((0L, 9_300L), (Stripe.AccountBalance(winner, "usd"), Stripe.PlatformBalance("usd").Available));
    }

    [Theory]
    [InlineData(Codes.AccountClosed)]
    [InlineData(Codes.InsufficientFunds)]
    [InlineData(Codes.AccountFrozen)]
    [InlineData(Codes.CouldNotProcess)]
    public async Task A_transfer_failed_by_control_sends_legacy_transfer_failed_and_its_money_comes_back(string code)
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");

        using var failed = await RawHttp().PostAsJsonAsync($"_emulator/transfers/{transfer.Id}/fail",
            new { failure_code = code });
        var read = await Client.GetTransferAsync(transfer.Id);
        var e = await EventAsync(Assert.Single(Stripe.Events(), e => e.Type == "transfer.failed").Id);

        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        Assert.Equal((1_000L, true), (read.AmountReversed, read.Reversed));
        var failedTransfer = e.GetProperty("data").GetProperty("object");
        Assert.Equal((transfer.Id, code, "failed"), (failedTransfer.GetProperty("id").GetString(),
            failedTransfer.GetProperty("failure_code").GetString(), failedTransfer.GetProperty("status").GetString()));
        Assert.Equal(Codes.Message(code), failedTransfer.GetProperty("failure_message").GetString());
        Assert.Equal((0L, 10_000L), (Stripe.AccountBalance(winner, "usd"), Stripe.PlatformBalance("usd").Available));
    }

    [Fact]
    public async Task The_next_transfers_fail_as_they_are_made_so_a_retry_schedule_can_be_watched()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var bystander = await ReadyAccountAsync("bystander@example.test");
        using var armed = await RawHttp().PostAsJsonAsync("_emulator/transfers/fail_next",
            new { failure_code = Codes.CouldNotProcess, count = 2, destination = winner });

        var other = await Client.CreateTransferAsync(new TransferCreate(100, "usd", bystander), "po-other");
        var first = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1:attempt-1");
        var second = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1:attempt-2");
        var third = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1:attempt-3");

        Assert.Equal(HttpStatusCode.OK, armed.StatusCode);
        // Each is answered as made; it fails just after, as a legacy transfer failed after it was sent.
        Assert.All([first, second, third], t => Assert.Equal(0, t.AmountReversed));
        Assert.Equal([first.Id, second.Id], Stripe.Events().Where(e => e.Type == "transfer.failed")
            .Select(e => e.ObjectId));
        Assert.Equal((true, false), ((await Client.GetTransferAsync(second.Id)).Reversed,
            (await Client.GetTransferAsync(third.Id)).Reversed));
        Assert.False((await Client.GetTransferAsync(other.Id)).Reversed);
        Assert.Equal(1_000, Stripe.AccountBalance(winner, "usd"));
        Assert.Equal(10_000 - 100 - 1_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task A_failure_code_stripe_does_not_use_is_refused()
    {
        using var refused = await RawHttp().PostAsJsonAsync("_emulator/transfers/fail_next",
            new { failure_code = "gremlins" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    private async Task<JsonElement> EventAsync(string id)
    {
        var http = RawHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        return await http.GetFromJsonAsync<JsonElement>($"v1/events/{id}");
    }
}
