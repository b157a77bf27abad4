using ContestPipeline.Stripe;
using Xunit;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Stripe;

public sealed class TokenBucketTests : StripeEmulatorTest
{
    [Theory]
    [InlineData(20, 5, 10, 205)]
    [InlineData(25, 1, 4, 101)]
    [InlineData(1, 1, 3, 4)]
    [InlineData(100, 100, 2, 300)]
    public void A_token_bucket_admits_its_burst_then_its_rate_on_the_injected_clock(int perSecond, int burst,
        int seconds, int expected)
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(perSecond, burst, clock);
        var admitted = 0;
        var admittedPerSecond = new int[seconds + 1];
        for (var ms = 0; ms <= seconds * 1_000; ms++)
        {
            // Demand always exceeds the rate: take until refused, every millisecond.
            while (bucket.TryTake(out _))
            {
                admitted++;
                admittedPerSecond[ms / 1_000]++;
            }
            if (ms < seconds * 1_000) clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(expected, admitted);
        Assert.All(admittedPerSecond[..seconds], n => Assert.InRange(n, 0, burst + perSecond));
    }

    [Fact]
    public void Wanting_is_demand_for_as_long_as_it_is_held_and_spends_no_token()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(1, 1, clock);
        Assert.Equal(long.MinValue, bucket.LastDemand);

        var wanting = bucket.Wanting();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(clock.GetTimestamp(), bucket.LastDemand);
        wanting.Dispose();
        var released = clock.GetTimestamp();
        clock.Advance(TimeSpan.FromSeconds(5));
        wanting.Dispose();

        Assert.Equal(released, bucket.LastDemand);
        Assert.True(bucket.TryTake(out _));
    }

    [Fact]
    public void A_refused_take_says_how_long_until_the_next_token()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(4, 1, clock);
        Assert.True(bucket.TryTake(out _));
        clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.False(bucket.TryTake(out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(150), wait);
    }

    [Fact]
    public async Task Taking_waits_for_the_clock_not_for_wall_time()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(10, 1, clock);
        await bucket.TakeAsync(CancellationToken.None);

        var waiting = bucket.TakeAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(99));
        var earlyDone = waiting.IsCompleted;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(earlyDone);
    }

    [Fact]
    public async Task The_client_sends_no_request_without_a_token()
    {
        var clock = new ManualClock();
        var client = NewClient(clock: clock, requestsPerSecond: 10, burst: 2);

        var calls = Enumerable.Range(0, 3).Select(_ => client.GetBalanceAsync()).ToList();
        await Eventually.UntilAsync(() => calls.Count(c => c.IsCompleted), n => n >= 2,
            "the two calls the burst allows answered");
        // The third call has got to the bucket and waits on the clock for its token (a timer due
        // within the 100 ms a token takes): had the bucket let it through, it would be at Stripe.
        await Eventually.UntilAsync(() => clock.PendingTimers(),
            due => due.Any(d => d > TimeSpan.Zero && d <= TimeSpan.FromMilliseconds(100)),
            "the third call to wait on the clock for a token");
        var beforeTheClockMoved = (calls.Count(c => c.IsCompleted), RequestsTo("GET", "/v1/balance").Count);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((2, 2), beforeTheClockMoved);
        Assert.Equal(3, RequestsTo("GET", "/v1/balance").Count);
    }

    [Fact]
    public void A_rate_set_while_running_holds_for_its_validity_then_the_bucket_earns_nothing()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(0, 1, clock);
        Assert.True(bucket.TryTake(out _));                       // the burst, whatever the rate
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(bucket.TryTake(out var paused));             // rate 0: nothing earned in 5 s
        Assert.Equal(TokenBucket.PausedWait, paused);

        bucket.SetRate(10, TimeSpan.FromSeconds(1));
        Assert.Equal(10, bucket.Rate);
        Assert.Equal(10, TakenOver(bucket, clock, TimeSpan.FromSeconds(3)));   // 10/s for the one second it is valid
        Assert.Equal(0, bucket.Rate);

        // Set again after it lapsed: the lapsed time earns nothing, the new rate counts from now.
        bucket.SetRate(20, TimeSpan.FromSeconds(1));
        Assert.Equal(20, TakenOver(bucket, clock, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_rate_change_keeps_the_progress_towards_the_next_token_scaled_never_earning_more()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(10, 1, clock);
        Assert.True(bucket.TryTake(out _));
        clock.Advance(TimeSpan.FromMilliseconds(75));             // three quarters of a token at 10/s
        bucket.SetRate(20, Timeout.InfiniteTimeSpan);             // three quarters of one at 20/s: 37.5 ms

        Assert.False(bucket.TryTake(out var wait));
        Assert.InRange(wait, TimeSpan.FromMilliseconds(12), TimeSpan.FromMilliseconds(13));
        clock.Advance(wait);
        Assert.True(bucket.TryTake(out _));
    }

    [Fact]
    public void Every_take_is_demand_granted_or_not()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(0, 1, clock);
        Assert.Equal(long.MinValue, bucket.LastDemand);
        bucket.TryTake(out _);
        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.TryTake(out _);                                    // refused: still demand
        Assert.Equal(clock.GetTimestamp(), bucket.LastDemand);
    }

    private static int TakenOver(TokenBucket bucket, ManualClock clock, TimeSpan period)
    {
        var taken = 0;
        for (var ms = 0; ms < period.TotalMilliseconds; ms++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            while (bucket.TryTake(out _)) taken++;
        }
        return taken;
    }
}
