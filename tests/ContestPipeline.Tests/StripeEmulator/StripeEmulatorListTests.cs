using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Stripe;
using Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>Stripe's lists: filters, cursors in both directions, newest first, and the envelope around them.</summary>
public sealed class StripeEmulatorListTests : StripeEmulatorTest
{
    private const int StepSeconds = 10;

    [Fact]
    public async Task A_get_reads_its_filters_from_the_query_string_even_sent_with_a_form_content_type()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner, "contest-A"), "a-1");
        await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner, "contest-B"), "b-1");
        var second = await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner, "contest-A"), "a-2");
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/transfers?transfer_group=contest-A&limit=1")
        {
            // As stripe-node sends every request, its GETs included: a form Content-Type on an empty body.
            Content = new StringContent("", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);

        using var response = await RawHttp().SendAsync(request);
        var (ids, hasMore) = Page(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([second.Id], ids);
        Assert.True(hasMore);
        Assert.Contains("limit=1", Assert.Single(RequestsTo("GET", "/v1/transfers")).Parameters,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payment_intents_list_newest_first_and_page_both_ways_through_stripe_net()
    {
        var made = MadeApart(5, () => Stripe.CreatePaymentIntent(1_000, "usd"));
        var newest = Enumerable.Reverse(made).ToList();
        Task<StripeList<PaymentIntent>> ListAsync(string? after = null, string? before = null) =>
            Client.ReadAsync("GET /v1/payment_intents", (s, o, ct) => s.V1.PaymentIntents.ListAsync(
                new PaymentIntentListOptions { Limit = 2, StartingAfter = after, EndingBefore = before }, o, ct));

        var first = await ListAsync();
        var second = await ListAsync(after: first.Data[^1].Id);
        var last = await ListAsync(after: second.Data[^1].Id);
        var back = await ListAsync(before: last.Data[0].Id);
        var front = await ListAsync(before: back.Data[0].Id);
        var all = new List<string>();
        await foreach (var intent in Client.Client.V1.PaymentIntents.ListAutoPagingAsync(
            new PaymentIntentListOptions { Limit = 2 })) all.Add(intent.Id);

        Assert.Equal(newest, Ids(first).Concat(Ids(second)).Concat(Ids(last)));
        Assert.Equal([true, true, false], new[] { first, second, last }.Select(l => l.HasMore));
        // Backwards from the oldest: the page nearest the cursor, and whether newer ones are left beyond it.
        Assert.Equal(newest[2..4], Ids(back));
        Assert.Equal(newest[0..2], Ids(front));
        Assert.Equal([true, false], new[] { back, front }.Select(l => l.HasMore));
        Assert.Equal(newest, all);
    }

    /// <summary>
    /// Four transfers a step apart on Stripe's clock: each row keeps those it lists. The bound is a transfer's own
    /// creation time (plus <paramref name="after"/> seconds), so real time passing between the calls cannot move it.
    /// </summary>
    [Theory]
    [InlineData("created[gte]", 1, 0, new[] { 3, 2, 1 })]
    [InlineData("created[gt]", 1, 0, new[] { 3, 2 })]
    [InlineData("created[lte]", 1, 0, new[] { 1, 0 })]
    [InlineData("created[lt]", 1, 0, new[] { 0 })]
    [InlineData("created", 2, 0, new[] { 2 })]
    [InlineData("created[gte]", 3, 1, new int[0])]
    public async Task The_created_filter_keeps_what_was_made_in_its_range(string filter, int at, int after, int[] kept)
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var made = new List<(string Id, long Created)>();
        for (var i = 0; i < 4; i++)
        {
            var transfer = await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner), $"po-{i}");
            made.Add((transfer.Id, new DateTimeOffset(transfer.Created, TimeSpan.Zero).ToUnixTimeSeconds()));
            Stripe.AdvanceClock(TimeSpan.FromSeconds(StepSeconds));
        }

        var (ids, hasMore) = await RawListAsync($"v1/transfers?{filter}={made[at].Created + after}");

        Assert.Equal(kept.Select(i => made[i].Id), ids);
        Assert.False(hasMore);
    }

    [Fact]
    public async Task Stripe_nets_created_range_and_destination_narrow_the_transfers_listed()
    {
        Stripe.TopUp(10_000, "usd");
        var alice = await ReadyAccountAsync("alice@example.test");
        var bob = await ReadyAccountAsync("bob@example.test");
        var start = Stripe.Now;
        var toAlice = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            toAlice.Add((await Client.CreateTransferAsync(new TransferCreate(100, "usd", alice), $"a-{i}")).Id);
            await Client.CreateTransferAsync(new TransferCreate(100, "usd", bob), $"b-{i}");
            Stripe.AdvanceClock(TimeSpan.FromSeconds(StepSeconds));
        }

        var listed = await Client.ReadAsync("GET /v1/transfers", (s, o, ct) => s.V1.Transfers.ListAsync(
            new TransferListOptions
            {
                Destination = alice,
                Created = new DateRangeOptions
                {
                    // Half a step from each creation: Stripe's clock runs on in real time between the calls, and its
                    // created times are whole seconds, so a bound on a creation's own second could fall either side.
                    GreaterThan = start.AddSeconds(StepSeconds / 2.0).UtcDateTime,
                    LessThanOrEqual = start.AddSeconds(2.5 * StepSeconds).UtcDateTime,
                },
            }, o, ct));

        Assert.Equal([toAlice[2], toAlice[1]], Ids(listed));
        Assert.All(listed.Data, t => Assert.Equal(alice, t.DestinationId));
    }

    [Fact]
    public async Task Refunds_charges_and_disputes_list_by_their_payment_through_stripe_net()
    {
        var paid = Stripe.CreatePaymentIntent(1_000, "usd");
        var other = Stripe.CreatePaymentIntent(2_000, "usd");
        var first = await Client.CreateRefundAsync(new RefundCreate(paid, 100), "refund:1");
        var second = await Client.CreateRefundAsync(new RefundCreate(paid, 200), "refund:2");
        await Client.CreateRefundAsync(new RefundCreate(other, 300), "refund:3");
        var dispute = Stripe.CreateDispute(other);
        var charge = (await Client.GetPaymentIntentAsync(paid)).LatestChargeId;

        var byIntent = await Client.ReadAsync("GET /v1/refunds", (s, o, ct) =>
            s.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = paid }, o, ct));
        var byCharge = await Client.ReadAsync("GET /v1/refunds", (s, o, ct) =>
            s.V1.Refunds.ListAsync(new RefundListOptions { Charge = charge }, o, ct));
        var charges = await Client.ReadAsync("GET /v1/charges", (s, o, ct) =>
            s.V1.Charges.ListAsync(new ChargeListOptions { PaymentIntent = paid }, o, ct));
        var readCharge = await Client.ReadAsync("GET /v1/charges/{id}", (s, o, ct) =>
            s.V1.Charges.GetAsync(charge, null, o, ct));
        var disputes = await Client.ReadAsync("GET /v1/disputes", (s, o, ct) =>
            s.V1.Disputes.ListAsync(new DisputeListOptions { PaymentIntent = other }, o, ct));
        var noDisputes = await Client.ReadAsync("GET /v1/disputes", (s, o, ct) =>
            s.V1.Disputes.ListAsync(new DisputeListOptions { Charge = charge }, o, ct));

        Assert.Equal([second.Id, first.Id], Ids(byIntent));
        Assert.Equal(Ids(byIntent), Ids(byCharge));
        Assert.Equal([charge!], Ids(charges));
        Assert.Equal((paid, 300L), (readCharge.PaymentIntentId, readCharge.AmountRefunded));
        Assert.Equal([dispute], Ids(disputes));
        Assert.Empty(noDisputes.Data);
    }

    [Fact]
    public async Task Reversals_accounts_and_events_list_newest_first()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var other = await ReadyAccountAsync("other@example.test");
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        var firstBack = await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(100), "r-1");
        var secondBack = await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(200), "r-2");

        var reversals = await Client.ReadAsync("GET /v1/transfers/{id}/reversals", (s, o, ct) =>
            s.V1.Transfers.Reversals.ListAsync(transfer.Id, null, o, ct));
        var accounts = await Client.ReadAsync("GET /v1/accounts", (s, o, ct) =>
            s.V1.Accounts.ListAsync(new AccountListOptions { Limit = 1 }, o, ct));
        var (events, _) = await RawListAsync("v1/events?types[]=transfer.created&types[]=transfer.reversed&limit=3");

        Assert.Equal([secondBack.Id, firstBack.Id], Ids(reversals));
        Assert.Equal([other], Ids(accounts));
        Assert.True(accounts.HasMore);
        Assert.Equal(3, events.Count);
        Assert.Equal(["transfer.reversed", "transfer.reversed", "transfer.created"],
            events.Select(id => Stripe.Events().Single(e => e.Id == id).Type));
    }

    [Theory]
    [InlineData("v1/payment_intents?limit=101", 400, StripeErrorCodes.ParameterInvalidInteger, "limit")]
    [InlineData("v1/payment_intents?limit=0", 400, StripeErrorCodes.ParameterInvalidInteger, "limit")]
    [InlineData("v1/payment_intents?created[gte]=soon", 400, StripeErrorCodes.ParameterInvalidInteger, "created[gte]")]
    [InlineData("v1/payment_intents?created[since]=1", 400, StripeErrorCodes.ParameterUnknown, "created[since]")]
    [InlineData("v1/refunds?starting_after=re_missing", 404, StripeErrorCodes.ResourceMissing, "starting_after")]
    [InlineData("v1/disputes?ending_before=dp_missing", 404, StripeErrorCodes.ResourceMissing, "ending_before")]
    [InlineData("v1/charges?starting_after=ch_a&ending_before=ch_b", 400, null, "ending_before")]
    public async Task A_list_refuses_what_stripe_refuses(string path, int status, string? code, string param)
    {
        using var response = await Authorized().GetAsync(path);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal((status, param), ((int)response.StatusCode, error.GetProperty("param").GetString()));
        Assert.Equal(code, error.TryGetProperty("code", out var c) ? c.GetString() : null);
    }

    private List<string> MadeApart(int count, Func<string> make)
    {
        var made = new List<string>();
        for (var i = 0; i < count; i++)
        {
            made.Add(make());
            Stripe.AdvanceClock(TimeSpan.FromSeconds(StepSeconds));
        }
        return made;
    }

    private HttpClient Authorized()
    {
        var http = RawHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        return http;
    }

    private async Task<(List<string> Ids, bool HasMore)> RawListAsync(string path)
    {
        using var response = await Authorized().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Page(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private static (List<string> Ids, bool HasMore) Page(JsonElement list)
    {
        Assert.Equal("list", list.GetProperty("object").GetString());
        return ([.. list.GetProperty("data").EnumerateArray().Select(o => o.GetProperty("id").GetString()!)],
            list.GetProperty("has_more").GetBoolean());
    }

    private static List<string> Ids<T>(StripeList<T> list) where T : IHasId => [.. list.Data.Select(o => o.Id)];
}
