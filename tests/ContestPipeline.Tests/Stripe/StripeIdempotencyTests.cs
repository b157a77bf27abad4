using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Xunit;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Stripe;

public sealed class StripeIdempotencyTests : StripeEmulatorTest
{
    [Fact]
    public async Task Same_idempotency_key_replays_the_transfer_and_moves_money_once()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = new TransferCreate(2_500, "usd", winner, "contest-1", "prize", Meta(("payout_id", "po-1")));

        var first = await Client.CreateTransferAsync(transfer, "payout:po-1");
        var second = await Client.CreateTransferAsync(transfer, "payout:po-1");

        Assert.Equal(first.Id, second.Id);
        var recorded = Assert.Single(Stripe.Ledger().Transfers);
        Assert.Equal(("payout:po-1", "po-1"), (recorded.IdempotencyKey, recorded.Metadata["payout_id"]));
        Assert.Equal(7_500, (await Client.GetBalanceAsync()).AvailableIn("usd"));
        Assert.Equal(2_500, Stripe.AccountBalance(winner, "usd"));
        Assert.Equal([false, true], RequestsTo("POST", "/v1/transfers").Select(r => r.Replayed));
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("destination")]
    [InlineData("metadata")]
    [InlineData("transfer_group")]
    public async Task Same_idempotency_key_with_other_parameters_is_rejected(string changed)
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync("a@example.test");
        var other = await ReadyAccountAsync("b@example.test");
        var original = new TransferCreate(1_000, "usd", winner, "contest-1", null, Meta(("payout_id", "po-1")));
        await Client.CreateTransferAsync(original, "payout:po-1");
        var reused = changed switch
        {
            "amount" => original with { Amount = 1_001 },
            "destination" => original with { Destination = other },
            "metadata" => original with { Metadata = Meta(("payout_id", "po-2")) },
            _ => original with { TransferGroup = "contest-2" },
        };

        var error = await Assert.ThrowsAsync<StripeFailure>(() => Client.CreateTransferAsync(reused, "payout:po-1"));

        Assert.Equal((400, StripeErrorTypes.IdempotencyError, false),
            (error.HttpStatus, error.Type, error.IsRetryable));
        Assert.Single(Stripe.Ledger().Transfers);
        Assert.Equal(2, RequestsTo("POST", "/v1/transfers").Count);
    }

    [Fact]
    public async Task Idempotency_keys_are_forgotten_after_24_hours_of_the_emulator_clock()
    {
        var clock = new ManualClock();
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Clock = clock });
        using var client = new StripeApi(new StripeSettings { BaseAddress = stripe.BaseUrl, SecretKey = stripe.ApiKey },
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<StripeApi>.Instance);
        stripe.TopUp(10_000, "usd");
        var winner = await client.CreateAccountAsync(new AccountCreate("US"), "account:winner");
        stripe.EnablePayouts(winner.Id);
        var transfer = new TransferCreate(1_000, "usd", winner.Id, "contest-1");

        var first = await client.CreateTransferAsync(transfer, "payout:po-1");
        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var replayed = await client.CreateTransferAsync(transfer, "payout:po-1");
        clock.Advance(TimeSpan.FromSeconds(1));
        var forgotten = await client.CreateTransferAsync(transfer, "payout:po-1");

        Assert.Equal(first.Id, replayed.Id);
        Assert.NotEqual(first.Id, forgotten.Id);
        // This is why a payout older than a day is looked up by its transfer group before it is sent again.
        Assert.Equal(2, stripe.Ledger().Transfers.Count(t => t.IdempotencyKey == "payout:po-1"));
        Assert.Equal(8_000, stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task A_transfer_refused_for_the_balance_is_replayed_as_the_same_refusal_under_its_key()
    {
        var winner = await ReadyAccountAsync();
        var transfer = new TransferCreate(1_000, "usd", winner, "contest-1");
        var refused =
            await Assert.ThrowsAsync<StripeFailure>(() => Client.CreateTransferAsync(transfer, "payout:po-1"));
        Stripe.TopUp(5_000, "usd");

        // Stripe saves the result of a request that started running, errors included.
        var replayed =
            await Assert.ThrowsAsync<StripeFailure>(() => Client.CreateTransferAsync(transfer, "payout:po-1"));
        var created = await Client.CreateTransferAsync(transfer, "payout:po-1:after-top-up");

        Assert.Equal(StripeErrorCodes.BalanceInsufficient, refused.Code);
        Assert.Equal(StripeErrorCodes.BalanceInsufficient, replayed.Code);
        Assert.Equal([false, true, false], RequestsTo("POST", "/v1/transfers").Select(r => r.Replayed));
        Assert.Equal(created.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
    }

    [Fact]
    public async Task A_request_refused_for_its_parameters_saves_nothing_under_its_key()
    {
        Stripe.TopUp(5_000, "usd");
        var winner = await ReadyAccountAsync();

        var missing = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_000, "usd", "acct_missing"), "payout:po-1"));
        var created = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "payout:po-1");

        Assert.Equal((404, StripeErrorCodes.ResourceMissing, "destination"),
            (missing.HttpStatus, missing.Code, missing.Param));
        Assert.Equal(created.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Every_post_requires_an_idempotency_key(string? key)
    {
        var winner = await ReadyAccountAsync();
        var before = Stripe.Requests().Count;

        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Client.CreateTransferAsync(new TransferCreate(1, "usd", winner), key!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Client.CreateRefundAsync(new RefundCreate("pi_x"), key!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Client.CreateAccountAsync(new AccountCreate("US"), key!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Client.CreateAccountLinkAsync(new AccountLinkCreate(winner, "r", "r"), key!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Client.CreateTransferReversalAsync("tr_x", new TransferReversalCreate(), key!));

        Assert.Equal(before, Stripe.Requests().Count);
    }
}
