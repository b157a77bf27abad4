using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ContestPipeline.Tests.Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>Stripe's lists: filters, cursors in both directions, newest first, and the envelope around them.</summary>
public sealed class StripeEmulatorListTests : StripeEmulatorTest
{
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
        var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([second.Id], list.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.True(list.GetProperty("has_more").GetBoolean());
        Assert.Contains("limit=1", Assert.Single(RequestsTo("GET", "/v1/transfers")).Parameters, StringComparison.Ordinal);
    }
}
