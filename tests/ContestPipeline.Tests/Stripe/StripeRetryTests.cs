using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Xunit;

namespace ContestPipeline.Tests.Stripe;

public sealed class StripeRetryTests : StripeEmulatorTest
{
    private async Task<TransferCreate> FundedTransferAsync()
    {
        Stripe.TopUp(10_000, "usd");
        return new TransferCreate(2_000, "usd", await ReadyAccountAsync(), "contest-1", null,
            Meta(("payout_id", "po-1")));
    }

    [Theory]
    [InlineData(StripeFaultKind.RateLimited, 429)]
    [InlineData(StripeFaultKind.ServerError, 500)]
    [InlineData(StripeFaultKind.ServiceUnavailable, 503)]
    public async Task Transient_answers_are_retried_with_the_same_key_and_create_one_transfer(StripeFaultKind kind,
        int status)
    {
        var transfer = await FundedTransferAsync();
        Stripe.InjectFault(new StripeFault(kind, "POST", "/v1/transfers", Count: 2));

        var created = await Client.CreateTransferAsync(transfer, "payout:po-1");

        var requests = RequestsTo("POST", "/v1/transfers");
        Assert.Equal([status, status, 200], requests.Select(r => r.Status));
        Assert.All(requests, r => Assert.Equal("payout:po-1", r.IdempotencyKey));
        Assert.Equal(created.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
        Assert.Equal(8_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task A_server_error_with_stripe_should_retry_false_is_not_retried()
    {
        var transfer = await FundedTransferAsync();
        Stripe.InjectFault(new StripeFault(StripeFaultKind.ServerError, "POST", "/v1/transfers", ShouldRetry: false));

        var error = await Assert.ThrowsAsync<StripeFailure>(() => Client.CreateTransferAsync(transfer, "payout:po-1"));

        Assert.Equal((500, StripeErrorTypes.ApiError, false), (error.HttpStatus, error.Type, error.IsRetryable));
        Assert.Single(RequestsTo("POST", "/v1/transfers"));
        Assert.Empty(Stripe.Ledger().Transfers);
    }

    [Theory]
    [InlineData(StripeFaultKind.AppliedThenDropped)]
    [InlineData(StripeFaultKind.AppliedThenDelayed)]
    public async Task A_transfer_applied_then_timed_out_is_created_once_by_the_retry(StripeFaultKind kind)
    {
        var transfer = await FundedTransferAsync();
        var client = NewClient(attemptTimeout: TimeSpan.FromSeconds(1));
        Stripe.InjectFault(new StripeFault(kind, "POST", "/v1/transfers", Delay: TimeSpan.FromSeconds(5)));

        var created = await client.CreateTransferAsync(transfer, "payout:po-1");

        Assert.Equal(created.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
        Assert.Equal([false, true], RequestsTo("POST", "/v1/transfers").Select(r => r.Replayed));
        Assert.Equal(8_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task A_request_slower_than_the_attempt_timeout_is_sent_again_and_applied_once()
    {
        var transfer = await FundedTransferAsync();
        var client = NewClient(attemptTimeout: TimeSpan.FromSeconds(1));
        Stripe.InjectFault(
            new StripeFault(StripeFaultKind.Latency, "POST", "/v1/transfers", Delay: TimeSpan.FromSeconds(3)));

        var created = await client.CreateTransferAsync(transfer, "payout:po-1");

        // The server records the abandoned attempt when it notices the client left, which may come after the retry.
        await Eventually.UntilAsync(() => RequestsTo("POST", "/v1/transfers").Count == 2,
            "the abandoned attempt recorded");
        Assert.Equal([0, 200], RequestsTo("POST", "/v1/transfers").Select(r => r.Status).Order());
        Assert.Equal(created.Id, Assert.Single(Stripe.Ledger().Transfers).Id);
    }

    [Fact]
    public async Task No_answer_on_any_attempt_is_an_api_connection_error_and_still_one_transfer()
    {
        var transfer = await FundedTransferAsync();
        var client = NewClient(attemptsMax: 3);
        Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDropped, "POST", "/v1/transfers", Count: 3));

        var error = await Assert.ThrowsAsync<StripeFailure>(() => client.CreateTransferAsync(transfer, "payout:po-1"));

        Assert.Equal((0, StripeErrorTypes.ApiConnectionError, true), (error.HttpStatus, error.Type, error.IsRetryable));
        Assert.Equal(3, RequestsTo("POST", "/v1/transfers").Count);
        Assert.Single(Stripe.Ledger().Transfers);
    }

    [Fact]
    public async Task Retries_stop_at_the_attempt_bound_with_a_retryable_error_naming_the_last_request()
    {
        var transfer = await FundedTransferAsync();
        var client = NewClient(attemptsMax: 3);
        Stripe.InjectFault(new StripeFault(StripeFaultKind.ServiceUnavailable, "POST", "/v1/transfers", Count: 10));

        var error = await Assert.ThrowsAsync<StripeFailure>(() => client.CreateTransferAsync(transfer, "payout:po-1"));

        var requests = RequestsTo("POST", "/v1/transfers");
        Assert.Equal(3, requests.Count);
        Assert.Equal((503, true, requests[^1].RequestId), (error.HttpStatus, error.IsRetryable, error.RequestId));
        Assert.Empty(Stripe.Ledger().Transfers);
    }

    [Fact]
    public async Task Reads_are_retried_too()
    {
        Stripe.InjectFault(new StripeFault(StripeFaultKind.RateLimited, "GET", "/v1/balance"));

        await Client.GetBalanceAsync();

        Assert.Equal([429, 200], RequestsTo("GET", "/v1/balance").Select(r => r.Status));
    }

    /// <summary>
    /// A 409 (the key still in flight) and a 429 are retried by the one retry policy, each attempt under the
    /// same key and each through the rate budget: against a server that allows exactly the client's rate,
    /// no attempt is refused by its limit (every 429 is the injected one). The client runs on a clock that
    /// moves only when the test moves it, so every backoff and every wait for a token is shown to be taken
    /// on the injected clock: nothing is sent again until the clock is moved past it.
    /// </summary>
    [Fact]
    public async Task A_409_and_a_429_are_retried_under_the_same_key_within_the_rate_budget()
    {
        await using var stripe =
            await StripeEmulator.StartAsync(new StripeEmulatorOptions { RequestsPerSecondMax = 2 });
        var clock = new ManualClock();
        var settings = new StripeSettings
        {
            BaseAddress = stripe.BaseUrl, SecretKey = stripe.ApiKey, RequestsPerSecond = 2, RequestBurst = 1,
            AttemptsMax = 6,
            RetryDelayBase = TimeSpan.FromMilliseconds(50), RetryDelayMax = TimeSpan.FromMilliseconds(150),
        };
        using var client = new StripeApi(settings, clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<StripeApi>.Instance);
        stripe.TopUp(10_000, "usd");
        var winner = await client.CreateAccountAsync(new AccountCreate("US"), "account:w");
        stripe.EnablePayouts(winner.Id);
        stripe.InjectFault(new StripeFault(StripeFaultKind.KeyInFlight, "POST", "/v1/transfers", Count: 2));
        stripe.InjectFault(new StripeFault(StripeFaultKind.RateLimited, "POST", "/v1/transfers", Count: 2));
        var start = clock.GetUtcNow();

        var (created, waits) = await OnTheClockAsync(clock,
            client.CreateTransferAsync(new TransferCreate(2_000, "usd", winner.Id, "contest-1"), "payout:po-1"));

        var attempts = stripe.Requests().Where(r => r is { Method: "POST", Path: "/v1/transfers" }).ToList();
        Assert.Equal([409, 409, 429, 429, 200], attempts.Select(r => r.Status));
        Assert.All(attempts, r => Assert.Equal("payout:po-1", r.IdempotencyKey));
        Assert.All(stripe.Requests().Where(r => r.Status == 429),
            r => Assert.Equal(StripeFaultKind.RateLimited, r.Fault));
        Assert.Equal(created.Id, Assert.Single(stripe.Ledger().Transfers).Id);
        // The retry policy's four backoffs (shorter than a token's wait; jitter may shorten one to none, so three
        // at least), and five attempts paid for at two a second: all taken on the injected clock.
        Assert.True(waits.Count(w => w <= settings.RetryDelayMax) >= 3,
            $"moved the clock by {string.Join(", ", waits)}");
        Assert.Equal(TimeSpan.FromSeconds(2.5), clock.GetUtcNow() - start);
    }

    /// <summary>
    /// Runs <paramref name="call"/> to its end, moving <paramref name="clock"/> to each short wait the client
    /// takes on it (a backoff, a wait for a token; not an attempt's own timeout), and says which it moved to.
    /// The server's limit runs on real time, so a wait for a token is also waited in real time first.
    /// </summary>
    private static async Task<(T Result, List<TimeSpan> Waits)> OnTheClockAsync<T>(ManualClock clock, Task<T> call)
    {
        var waits = new List<TimeSpan>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!call.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"the call is still waiting after moving the clock by {string.Join(", ", waits)}");
            var next = clock.PendingTimers().Where(t => t > TimeSpan.Zero && t < TimeSpan.FromSeconds(5)).ToList();
            if (next.Count == 0)
            {
                await Task.WhenAny(call, Task.Delay(10));
                continue;
            }
            if (next[0] > TimeSpan.FromMilliseconds(100)) await Task.Delay(next[0]);
            waits.Add(next[0]);
            clock.Advance(next[0]);
        }
        return (await call, waits);
    }

    [Theory]
    [InlineData(429, null, true)]
    [InlineData(500, null, true)]
    [InlineData(502, null, true)]
    [InlineData(503, null, true)]
    [InlineData(500, false, false)]
    [InlineData(429, false, false)]
    [InlineData(409, null, true)]      // the key is still in flight: the retry gets its result
    [InlineData(409, true, true)]
    [InlineData(409, false, false)]
    [InlineData(400, true, false)]
    [InlineData(400, null, false)]
    [InlineData(401, null, false)]
    [InlineData(402, null, false)]
    [InlineData(404, null, false)]
    [InlineData(402, true, true)]
    public void Retryable_answers_follow_stripe_should_retry_then_the_status(int status, bool? shouldRetry,
        bool retryable)
    {
        Assert.Equal(retryable, StripeFailure.WorthRetrying(status, shouldRetry));
    }
}
