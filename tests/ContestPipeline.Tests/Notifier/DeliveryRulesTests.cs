using ContestPipeline.Notifier.Channels;
using ContestPipeline.Notifier.Deliveries;

namespace ContestPipeline.Tests.Notifier;

/// <summary>The retry schedule and the webhook signature, as pure rules.</summary>
public sealed class DeliveryRulesTests
{
    private const string Secret = "shared-secret";
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_schedule_retries_for_about_three_days_then_stops()
    {
        Assert.InRange(DeliverySchedule.Span, TimeSpan.FromDays(3), TimeSpan.FromDays(4));
        Assert.Equal(At + TimeSpan.FromMinutes(1), DeliverySchedule.NextAttemptAfterFailure(1, At));
        Assert.Equal(At + TimeSpan.FromHours(12),
            DeliverySchedule.NextAttemptAfterFailure(DeliverySchedule.AttemptsMax - 1, At));
        Assert.Null(DeliverySchedule.NextAttemptAfterFailure(DeliverySchedule.AttemptsMax, At));
        // Further apart each time, never closer.
        Assert.True(DeliverySchedule.Delays.Zip(DeliverySchedule.Delays.Skip(1)).All(p => p.First <= p.Second));
    }

    [Theory]
    [InlineData("the body", Secret, 0, true)]
    [InlineData("the body", Secret, 299, true)]
    [InlineData("the b0dy", Secret, 0, false)]
    [InlineData("the body", "another-secret", 0, false)]
    [InlineData("the body", Secret, 301, false)]
    public void A_signature_checks_only_for_the_same_body_secret_and_a_recent_time(string body, string secret,
        int ageSeconds, bool valid)
    {
        var header = PlatformCallbackSignature.Sign(Secret, At, "the body");
        Assert.Equal(valid, PlatformCallbackSignature.Verify(secret, header, body, At.AddSeconds(ageSeconds)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("t=abc,v1=00")]
    [InlineData("v1=00")]
    [InlineData("garbage")]
    public void A_malformed_signature_header_does_not_check(string header) =>
        Assert.False(PlatformCallbackSignature.Verify(Secret, header, "the body", At));
}
