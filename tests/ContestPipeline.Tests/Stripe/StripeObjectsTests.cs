using System.Net;
using System.Text;
using System.Text.Json;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Stripe;

/// <summary>
/// The client's models against what Stripe's API specification allows: nullable fields read
/// as null, a null metadata as empty, optional fields may be absent. What it does not allow
/// fails with the field named, and through the client as a StripeException (never an
/// exception that would stop a worker on every retry).
/// </summary>
public sealed class StripeObjectsTests
{
    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, StripeJson.Options)!;

    [Fact]
    public void A_transfer_with_null_metadata_and_no_destination_reads()
    {
        var t = Read<StripeTransfer>("""
            {"id":"tr_1","object":"transfer","amount":500,"amount_reversed":0,"currency":"usd","destination":null,"transfer_group":null,
             "description":null,"reversed":false,"created":1790000000,"metadata":null}
            """);
        Assert.Equal(("tr_1", (string?)null, 0), (t.Id, t.Destination, t.Metadata.Count));
    }

    [Fact]
    public void An_account_whose_capabilities_lack_transfers_or_that_has_none_reads_as_unable_to_receive()
    {
        var noTransfers = Read<StripeAccount>("""
            {"id":"acct_1","type":"express","country":"US","email":null,"charges_enabled":false,"payouts_enabled":false,"details_submitted":false,
             "created":1790000000,"metadata":{},"capabilities":{"card_payments":"active"},"requirements":null}
            """);
        var bare = Read<StripeAccount>("""
            {"id":"acct_2","type":null,"country":null,"email":null,"charges_enabled":false,"payouts_enabled":false,"details_submitted":false,
             "created":1790000000,"metadata":{"player_id":"p1"}}
            """);
        Assert.Null(noTransfers.Capabilities!.Transfers);
        Assert.Null(bare.Capabilities);
        Assert.False(ContestPipeline.Payout.Domain.Recipients.CanReceive(noTransfers));
        Assert.False(ContestPipeline.Payout.Domain.Recipients.CanReceive(bare));
    }

    [Fact]
    public void An_event_without_api_version_or_request_reads()
    {
        var e = StripeEvent.Parse("""{"id":"evt_1","object":"event","type":"transfer.created","created":1790000000,"livemode":false,"data":{"object":{"id":"tr_1"}}}"""u8);
        Assert.Equal(("evt_1", (string?)null, (StripeEventRequest?)null), (e.Id, e.ApiVersion, e.Request));
    }

    [Fact]
    public void A_payment_intent_reads_its_charge_expanded_or_as_an_id()
    {
        const string intent = """
            {"id":"pi_1","amount":1000,"amount_received":1000,"currency":"usd","status":"succeeded","created":1790000000,"livemode":false,
             "metadata":{},"latest_charge":LATEST}
            """;
        var expanded = Read<StripePaymentIntent>(intent.Replace("LATEST", """
            {"id":"ch_1","amount":1000,"amount_refunded":250,"refunded":false,"disputed":true,"currency":"usd","payment_intent":"pi_1","status":"succeeded","metadata":null}
            """, StringComparison.Ordinal));
        var plain = Read<StripePaymentIntent>(intent.Replace("LATEST", "\"ch_1\"", StringComparison.Ordinal));
        var none = Read<StripePaymentIntent>(intent.Replace("LATEST", "null", StringComparison.Ordinal));

        Assert.Equal(("ch_1", 250L, true), (expanded.LatestCharge!.Id, expanded.Charge!.AmountRefunded, expanded.Charge.Disputed));
        Assert.Equal(("ch_1", (StripeCharge?)null), (plain.LatestCharge!.Id, plain.Charge));
        Assert.Null(none.Charge);
    }

    [Theory]
    [InlineData("""{"id":"tr_1","amount":"lots","amount_reversed":0,"currency":"usd","destination":null,"transfer_group":null,"description":null,"reversed":false,"created":1,"metadata":{}}""", "$.amount")]
    [InlineData("""{"id":"tr_1","amount":5,"amount_reversed":0,"currency":null,"destination":null,"transfer_group":null,"description":null,"reversed":false,"created":1,"metadata":{}}""", "currency")]
    [InlineData("""{"id":"tr_1","amount":5,"amount_reversed":0,"currency":"usd","destination":null,"transfer_group":null,"description":null,"reversed":false,"created":1,"metadata":{"k":3}}""", "$.metadata")]
    [InlineData("""{"id":"tr_1","amount":5,"currency":"usd","destination":null,"transfer_group":null,"description":null,"reversed":false,"created":1,"metadata":{}}""", "amount_reversed")]
    public void What_the_specification_does_not_allow_fails_naming_the_field(string json, string field)
    {
        var e = Assert.ThrowsAny<JsonException>(() => Read<StripeTransfer>(json));
        Assert.Contains(field, StripeJson.Problem(e), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_client_an_unreadable_answer_is_a_stripe_exception_naming_the_field_and_not_retryable()
    {
        using var http = new HttpClient(new Answering("""{"id":"tr_1","amount":"lots"}"""));
        var client = new StripeClient(http, new StripeClientOptions { BaseAddress = new Uri("http://stripe.invalid/"), SecretKey = "sk_test_x" },
            TimeProvider.System, NullLogger<StripeClient>.Instance);

        var error = await Assert.ThrowsAsync<StripeException>(() => client.GetTransferAsync("tr_1"));

        Assert.Equal((StripeErrorTypes.UnreadableResponse, "$.amount", false, false, true), (error.Type, error.Param, error.IsRetryable, error.IsFinalRefusal, error.IsUnreadableAnswer));
        Assert.Contains("StripeTransfer", error.Message, StringComparison.Ordinal);
        Assert.Equal(FailureKind.Bug, error.Kind);
    }

    /// <summary>Answers every request 200 with the same body: the client's reading, not HTTP, is what is under test.</summary>
    private sealed class Answering(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
