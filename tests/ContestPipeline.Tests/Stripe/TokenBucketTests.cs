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
    public void A_token_bucket_admits_its_burst_then_its_rate_on_the_injected_clock(int perSecond, int burst, int seconds, int expected)
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
        await Eventually.UntilAsync(() => calls.Count(c => c.IsCompleted), n => n >= 2, "the two calls the burst allows answered");
        // The third call has got to the bucket and waits on the clock for its token (a timer due
        // within the 100 ms a token takes): had the bucket let it through, it would be at Stripe.
        await Eventually.UntilAsync(() => clock.PendingTimers(), due => due.Any(d => d > TimeSpan.Zero && d <= TimeSpan.FromMilliseconds(100)),
            "the third call to wait on the clock for a token");
        var beforeTheClockMoved = (calls.Count(c => c.IsCompleted), RequestsTo("GET", "/v1/balance").Count);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((2, 2), beforeTheClockMoved);
        Assert.Equal(3, RequestsTo("GET", "/v1/balance").Count);
    }
}
