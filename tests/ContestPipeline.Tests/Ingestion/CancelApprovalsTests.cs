using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Contests;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// The two-person rule for a cancel, as a table: entries at the time, and the operators who asked; and how long a
/// request counts: a stale first request and a fresh second one from another operator do not cancel.
/// </summary>
public sealed class CancelApprovalsTests
{
    private static readonly DateTimeOffset Now = new(2031, 3, 9, 18, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    [Theory]
    [InlineData(0, new[] { "ann" }, true)]
    [InlineData(3, new[] { "ann" }, false)]
    [InlineData(3, new[] { "ann", "bob" }, true)]
    [InlineData(1, new[] { "ann", "bob", "cy" }, true)]
    [InlineData(1, new string[0], false)]
    public void A_contest_with_paid_entries_takes_two_different_operators(int entries, string[] operators,
        bool applies) =>
        Assert.Equal(applies, CancelApprovals.Applies(entries, operators));

    [Theory]
    [InlineData(0, true)]
    [InlineData(60, true)]
    [InlineData(86_399, true)]
    [InlineData(86_400, false)]   // exactly a lifetime old: expired
    [InlineData(90_000, false)]
    public void A_request_counts_for_its_lifetime_and_not_a_moment_longer(int ageSeconds, bool live) =>
        Assert.Equal(live, CancelApprovals.Live(Now - TimeSpan.FromSeconds(ageSeconds), Now, Day));

    [Fact]
    public void A_stale_first_request_and_a_fresh_second_one_do_not_cancel_and_the_message_says_why()
    {
        var requests = new[]
        {
            new CancelApprovals.Request("ann", "feed outage", Now - TimeSpan.FromHours(25)),
            new CancelApprovals.Request("bob", "agreed", Now),
        };
        var live = CancelApprovals.Live(requests, Now, Day);
        Assert.Equal(["bob"], live.Select(r => r.Operator));
        Assert.False(CancelApprovals.Applies(3, [.. live.Select(r => r.Operator)]));

        var message =
            CancelApprovals.Awaiting(new ContestCancelRequested("c1", "agreed", "bob"), 3, requests, Now, Day);
        Assert.Contains("within 24 h (by 2031-03-10 18:00:00 UTC)", message, StringComparison.Ordinal);
        Assert.Contains("expired unanswered and no longer counting: ann's request of 2031-03-08 17:00:00 UTC", message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Two_operators_within_the_lifetime_cancel_and_the_first_live_request_leads()
    {
        var requests = new[]
        {
            new CancelApprovals.Request("ann", "feed outage", Now - TimeSpan.FromHours(23)),
            new CancelApprovals.Request("bob", "agreed", Now),
        };
        var live = CancelApprovals.Live(requests, Now, Day);
        Assert.True(CancelApprovals.Applies(3, [.. live.Select(r => r.Operator)]));
        Assert.Equal("ann", live[0].Operator);
        var message = CancelApprovals.Awaiting(new ContestCancelRequested("c1", "feed outage", "ann"), 3,
            requests[..1], Now, Day);
        Assert.DoesNotContain("expired", message, StringComparison.Ordinal);
        Assert.Contains("(by 2031-03-09 19:00:00 UTC)", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(86_400, "24 h")]
    [InlineData(5_400, "90 min")]
    [InlineData(45, "45 s")]
    public void The_lifetime_reads_as_an_operator_would_say_it(int seconds, string said) =>
        Assert.Equal(said, ContestPipeline.Contracts.Operations.DecisionAge.Describe(TimeSpan.FromSeconds(seconds)));
}
