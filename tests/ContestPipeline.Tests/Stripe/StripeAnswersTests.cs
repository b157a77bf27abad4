using System.Net;
using System.Text;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Stripe;

/// <summary>
/// Stripe.net reads an answer leniently (a missing field is its default); where money rests on a
/// field, an answer without it is an unreadable answer naming the field, never a value to act on:
/// a transfer without its destination or amount is not taken for one that does not match its payout.
/// What Stripe.net cannot read at all is unreadable too. Neither is retried nor stops the worker on
/// its own: the caller decides what an unknown answer means.
/// </summary>
public sealed class StripeAnswersTests
{
    private const string Transfer = """
        {"id":"tr_1","object":"transfer","amount":500,"amount_reversed":0,"currency":"usd","destination":"acct_1",
         "transfer_group":null,"description":null,"reversed":false,"created":1790000000,"metadata":{"payout_id":"po-1"}}
        """;

    private static StripeApi Answering(string body, out Answer answer)
    {
        answer = new Answer(body);
        return new StripeApi(new StripeSettings
            { BaseAddress = new Uri("http://stripe.invalid/"), SecretKey = "sk_test_x" },
            TimeProvider.System, NullLogger<StripeApi>.Instance, answer);
    }

    [Fact]
    public async Task A_complete_transfer_reads_with_a_null_transfer_group_and_description()
    {
        using var stripe = Answering(Transfer, out _);

        var t = await stripe.GetTransferAsync("tr_1");

        Assert.Equal(("tr_1", 500L, "acct_1", (string?)null, "po-1"),
            (t.Id, t.Amount, t.DestinationId, t.TransferGroup, t.Metadata["payout_id"]));
    }

    [Theory]
    [InlineData("\"destination\":\"acct_1\",", "$.destination")]
    [InlineData("\"amount\":500,", "$.amount")]
    [InlineData(",\"metadata\":{\"payout_id\":\"po-1\"}", "$.metadata")]
    [InlineData("\"currency\":\"usd\",", "$.currency")]
    public async Task A_transfer_without_a_field_money_rests_on_is_an_unreadable_answer_naming_it(string removed,
        string field)
    {
        using var stripe = Answering(Transfer.Replace(removed, "", StringComparison.Ordinal), out var answer);

        var error = await Assert.ThrowsAsync<StripeFailure>(() => stripe.GetTransferAsync("tr_1"));

        Assert.Equal((StripeErrorTypes.UnreadableResponse, field, false, false, true),
            (error.Type, error.Param, error.IsRetryable, error.IsFinalRefusal, error.IsUnreadableAnswer));
        Assert.Equal(FailureKind.Bug, error.Kind);
        Assert.Equal(1, answer.Requests);
    }

    [Fact]
    public async Task A_transfer_whose_destination_stripe_no_longer_names_reads_with_a_null_destination()
    {
        using var stripe = Answering(Transfer.Replace("\"acct_1\"", "null", StringComparison.Ordinal), out _);

        Assert.Null((await stripe.GetTransferAsync("tr_1")).DestinationId);
    }

    [Fact]
    public async Task An_answer_stripe_net_cannot_read_is_unreadable_and_not_retried()
    {
        using var stripe = Answering("""{"id":"tr_1","object":"transfer","amount":"lots"}""", out var answer);

        var error = await Assert.ThrowsAsync<StripeFailure>(() => stripe.GetTransferAsync("tr_1"));

        Assert.Equal((StripeErrorTypes.UnreadableResponse, 200, false),
            (error.Type, error.HttpStatus, error.IsRetryable));
        Assert.Equal(1, answer.Requests);
    }

    [Fact]
    public async Task A_listed_transfer_without_its_metadata_makes_the_page_unreadable_naming_it()
    {
        var bare = Transfer.Replace(",\"metadata\":{\"payout_id\":\"po-1\"}", "", StringComparison.Ordinal);
        using var stripe = Answering(
            $$"""{"object":"list","url":"/v1/transfers","has_more":false,"data":[{{Transfer}},{{bare}}]}""", out _);

        var error = await Assert.ThrowsAsync<StripeFailure>(() => stripe.ListTransfersAsync("contest-1", 10));

        Assert.Equal("$.data[1].metadata", error.Param);
    }

    [Fact]
    public async Task An_account_whose_capabilities_lack_transfers_or_that_has_none_reads_as_unable_to_receive()
    {
        const string account = """
            {"id":"acct_1","object":"account","type":"express","country":"US","email":null,"charges_enabled":false,
             "payouts_enabled":false,"details_submitted":false,"created":1790000000,"metadata":{}CAPABILITIES}
            """;
        using var noTransfers = Answering(
            account.Replace("CAPABILITIES", ",\"capabilities\":{\"card_payments\":\"active\"}",
            StringComparison.Ordinal), out _);
        using var bare = Answering(account.Replace("CAPABILITIES", "", StringComparison.Ordinal), out _);

        Assert.False(ContestPipeline.Payout.Recipients.ConnectedAccounts.CanReceive(
            await noTransfers.GetAccountAsync("acct_1")));
        Assert.False(
            ContestPipeline.Payout.Recipients.ConnectedAccounts.CanReceive(await bare.GetAccountAsync("acct_1")));
    }

    /// <summary>
    /// Answers every request 200 with the same body: the reading of the answer, not HTTP, is what is under test.
    /// </summary>
    private sealed class Answer(string body) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            });
        }
    }
}
