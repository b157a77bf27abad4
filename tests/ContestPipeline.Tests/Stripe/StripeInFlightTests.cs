using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Stripe;

/// <summary>
/// Stripe's idempotency while a request is still running: another request with the same key
/// is answered 409 (nothing saved, try again later), and the client retries it under the same
/// key until the first one's result can be replayed. The same key with other parameters is a
/// 400 idempotency_error, never retried.
/// </summary>
public sealed class StripeInFlightTests : StripeEmulatorTest
{
    private const string Key = "prize_in_flight";

    private async Task<(string Winner, string Form)> TransferFormAsync(long amount = 1_000)
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        return (winner,
            $"amount={amount}&currency=usd&destination={winner}&transfer_group=c1&metadata%5Bpayout_id%5D={Key}");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers)> PostAsync(string form,
        string key = Key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/transfers")
        {
            Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await RawHttp().SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(),
            response.Headers);
    }

    private Task WaitUntilInFlightAsync() =>
        Eventually.UntilAsync(() => Task.FromResult(Stripe.KeysInFlight().Contains(Key)), $"key {Key} in flight",
            TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_second_request_with_a_key_still_in_flight_is_answered_409_and_saves_nothing()
    {
        var (_, form) = await TransferFormAsync();
        Stripe.InjectFault(
            new StripeFault(StripeFaultKind.SlowExecution, "POST", "/v1/transfers", Delay: TimeSpan.FromSeconds(3)));
        var first = PostAsync(form);
        await WaitUntilInFlightAsync();

        var same = await PostAsync(form);
        var other = await PostAsync(form.Replace("amount=1000", "amount=1001", StringComparison.Ordinal));
        var done = await first;
        var replayed = await PostAsync(form);
        var mismatched = await PostAsync(form.Replace("amount=1000", "amount=1001", StringComparison.Ordinal));

        Assert.Equal((HttpStatusCode.Conflict, "idempotency_error", StripeErrorCodes.IdempotencyKeyInUse),
            (same.Status, same.Body.GetProperty("error").GetProperty("type").GetString(),
                same.Body.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, other.Status);
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Equal((HttpStatusCode.OK, done.Body.GetProperty("id").GetString()),
            (replayed.Status, replayed.Body.GetProperty("id").GetString()));
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((HttpStatusCode.BadRequest, "idempotency_error"),
            (mismatched.Status, mismatched.Body.GetProperty("error").GetProperty("type").GetString()));
        Assert.Single(Stripe.Ledger().Transfers);
        // Recorded as answered: the slow first request after the two it turned away.
        Assert.Equal([409, 409, 200, 200, 400], RequestsTo("POST", "/v1/transfers").Select(r => r.Status));
    }

    [Fact]
    public async Task
        The_client_retries_a_409_under_the_same_key_until_the_first_request_is_done_and_gets_its_transfer()
    {
        var (winner, form) = await TransferFormAsync();
        Stripe.InjectFault(
            new StripeFault(StripeFaultKind.SlowExecution, "POST", "/v1/transfers", Delay: TimeSpan.FromSeconds(1)));
        var first = PostAsync(form);
        await WaitUntilInFlightAsync();

        // Up to 60 attempts at the client's 20/s: three seconds of retries for a one-second call.
        var client = NewClient(attemptsMax: 60);
        var transfer = await client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner, "c1", null,
            new Dictionary<string, string> { ["payout_id"] = Key }), Key);

        Assert.Equal((await first).Body.GetProperty("id").GetString(), transfer.Id);
        var requests = RequestsTo("POST", "/v1/transfers");
        Assert.All(requests, r => Assert.Equal(Key, r.IdempotencyKey));
        Assert.Contains(requests, r => r.Status == 409);
        Assert.True(requests[^1] is { Status: 200, Replayed: true },
            "the last attempt was answered with the first one's result");
        Assert.Equal(transfer.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
    }

    [Fact]
    public async Task A_409_that_outlasts_the_clients_retries_is_a_retryable_failure_and_never_a_final_refusal()
    {
        var (winner, _) = await TransferFormAsync();
        Stripe.InjectFault(new StripeFault(StripeFaultKind.KeyInFlight, "POST", "/v1/transfers", Count: 3));
        var client = NewClient(attemptsMax: 3);

        var error = await Assert.ThrowsAsync<StripeFailure>(() =>
            client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), Key));
        var later = await client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), Key);

        Assert.Equal((409, StripeErrorCodes.IdempotencyKeyInUse, true, false),
            (error.HttpStatus, error.Code, error.IsRetryable, error.IsFinalRefusal));
        Assert.Equal(ContestPipeline.Plumbing.Messaging.FailureKind.Transient, error.Kind);
        Assert.Equal([409, 409, 409, 200], RequestsTo("POST", "/v1/transfers").Select(r => r.Status));
        Assert.Equal(later.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
    }

    [Fact]
    public async Task The_same_key_with_other_parameters_is_a_400_idempotency_error_that_is_neither_retried_nor_final()
    {
        var (winner, _) = await TransferFormAsync();
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), Key);

        var error = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(2_000, "usd", winner), Key));

        Assert.Equal((400, StripeErrorTypes.IdempotencyError, false, false),
            (error.HttpStatus, error.Type, error.IsRetryable, error.IsFinalRefusal));
        Assert.Equal(2, RequestsTo("POST", "/v1/transfers").Count);
    }

    [Fact]
    public async Task Only_a_refusal_stripe_made_final_is_final()
    {
        var winner = await ReadyAccountAsync();
        var refused = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "k-balance"));
        Stripe.InjectFault(new StripeFault(StripeFaultKind.ServerError, "POST", "/v1/transfers", Count: 4));
        var failing = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "k-500"));

        Assert.Equal((StripeErrorCodes.BalanceInsufficient, true), (refused.Code, refused.IsFinalRefusal));
        Assert.Equal((500, false), (failing.HttpStatus, failing.IsFinalRefusal));
    }
}
