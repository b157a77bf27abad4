using ContestPipeline.Stripe;
using Xunit;

namespace ContestPipeline.Tests.Stripe;

public sealed class StripeTransferTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_transfer_beyond_the_available_balance_fails_with_balance_insufficient()
    {
        Stripe.TopUp(1_000, "usd");
        Stripe.TopUp(50_000, "usd", pending: true);
        var winner = await ReadyAccountAsync();

        var error = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_001, "usd", winner), "payout:po-1"));

        Assert.Equal((400, StripeErrorTypes.InvalidRequestError, StripeErrorCodes.BalanceInsufficient, false),
            (error.HttpStatus, error.Type, error.Code, error.IsRetryable));
        Assert.Empty(Stripe.Ledger().Transfers);
        var balance = await Client.GetBalanceAsync();
        Assert.Equal((1_000, 50_000),
            (balance.AvailableIn("usd"), balance.Pending.Single(p => p.Currency == "usd").Amount));
    }

    [Fact]
    public async Task A_transfer_fills_in_every_field_and_reads_back_the_same()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();

        var created = await Client.CreateTransferAsync(
            new TransferCreate(1_234, "USD", winner, "contest-9", "Prize for entry e-1",
                Meta(("payout_id", "po-1"), ("entry_id", "e-1"))),
            "payout:po-1");
        var read = await Client.GetTransferAsync(created.Id);

        Assert.StartsWith("tr_", created.Id);
        Assert.Equal((1_234L, "usd", winner, "contest-9", "Prize for entry e-1", 0L, false),
            (read.Amount, read.Currency, read.DestinationId, read.TransferGroup, read.Description, read.AmountReversed,
                read.Reversed));
        Assert.Equal(Meta(("entry_id", "e-1"), ("payout_id", "po-1")), read.Metadata);
    }

    [Fact]
    public async Task A_transfer_to_an_account_that_has_not_finished_onboarding_is_refused()
    {
        Stripe.TopUp(10_000, "usd");
        var account = await Client.CreateAccountAsync(new AccountCreate("US", "new@example.test"), "account:new");

        var error = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_000, "usd", account.Id), "payout:po-1"));
        Stripe.EnablePayouts(account.Id);
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", account.Id), "payout:po-1:retry");

        Assert.Equal((StripeErrorCodes.InsufficientCapabilitiesForTransfer, "destination"), (error.Code, error.Param));
        Assert.Single(Stripe.Ledger().Transfers);
    }

    [Fact]
    public async Task Listing_by_transfer_group_pages_through_every_transfer_newest_first()
    {
        Stripe.TopUp(100_000, "usd");
        var winner = await ReadyAccountAsync();
        var inGroup = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            inGroup.Add((await Client.CreateTransferAsync(new TransferCreate(100 + i, "usd", winner, "contest-A"),
                $"a-{i}")).Id);
            if (i % 3 == 0)
                await Client.CreateTransferAsync(new TransferCreate(1, "usd", winner, "contest-B"), $"b-{i}");
        }

        var firstPage = await Client.ListTransfersAsync("contest-A", limit: 3);
        var all = new List<string>();
        await foreach (var transfer in Client.TransfersInGroupAsync("contest-A", pageSize: 3)) all.Add(transfer.Id);

        Assert.True(firstPage.HasMore);
        Assert.Equal(Enumerable.Reverse(inGroup).Take(3), firstPage.Data.Select(t => t.Id));
        Assert.Equal(Enumerable.Reverse(inGroup), all);
        Assert.Equal(1 + 3, RequestsTo("GET", "/v1/transfers").Count);
    }

    [Fact]
    public async Task A_reversal_returns_money_to_the_platform_and_cannot_exceed_the_transfer()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "payout:po-1");

        var partial = await Client.CreateTransferReversalAsync(transfer.Id,
            new TransferReversalCreate(400, Metadata: Meta(("reason", "correction"))), "reverse:po-1:1");
        var tooMuch = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(601), "reverse:po-1:2"));
        await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(), "reverse:po-1:3");
        var after = await Client.GetTransferAsync(transfer.Id);

        Assert.Equal((400L, transfer.Id), (partial.Amount, partial.TransferId));
        Assert.Equal((StripeErrorCodes.AmountTooLarge, "amount"), (tooMuch.Code, tooMuch.Param));
        Assert.Equal((1_000L, true), (after.AmountReversed, after.Reversed));
        Assert.Equal([400L, 600L], Stripe.Ledger().Reversals.Select(r => r.Amount));
        Assert.Equal(10_000, Stripe.PlatformBalance("usd").Available);
        Assert.Equal(0, Stripe.AccountBalance(winner, "usd"));
    }
}
