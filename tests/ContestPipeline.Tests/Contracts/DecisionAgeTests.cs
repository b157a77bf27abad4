using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Tests.Contracts;

/// <summary>An operator's decision counts from when it was signed, for its lifetime, and never from the future.
/// </summary>
public sealed class DecisionAgeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(400);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    [Fact]
    public void A_decision_counts_until_its_lifetime_has_passed_since_it_was_signed()
    {
        Assert.Null(DecisionAge.Refusal(Now - Day + TimeSpan.FromSeconds(1), Now, Day));
        Assert.Contains("it expired", DecisionAge.Refusal(Now - Day, Now, Day), StringComparison.Ordinal);
        Assert.Contains("counts for 24 h", DecisionAge.Refusal(Now.AddDays(-30), Now, Day), StringComparison.Ordinal);
    }

    [Fact]
    public void A_decision_dated_ahead_of_the_clock_counts_only_within_the_skew_and_from_its_arrival()
    {
        Assert.Null(DecisionAge.Refusal(Now + DecisionAge.FutureSkew, Now, Day));
        Assert.Contains("signed in the future",
            DecisionAge.Refusal(Now + DecisionAge.FutureSkew + TimeSpan.FromSeconds(1), Now, Day),
            StringComparison.Ordinal);
        Assert.Equal(Now, DecisionAge.CountsFrom(Now.AddMinutes(3), Now));
        Assert.Equal(Now.AddHours(-2), DecisionAge.CountsFrom(Now.AddHours(-2), Now));
    }
}
