using ContestPipeline.Payout.Controls;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The two-person rule's counting: distinct verified operators, each approval bound to the hold kind and
/// payout version it was given for, and expired after the approval lifetime. One row per case.
/// </summary>
public sealed class ReleaseApprovalsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    private static ReleaseApproval A(string who, string kind = "review", int version = 4, double hoursAgo = 1) =>
        new(who, who + kind + version + hoursAgo, kind, version, Now.AddHours(-hoursAgo));

    public static TheoryData<string, ReleaseApproval[], string[]> Cases => new()
    {
        { "two operators, this hold and version", [A("ann"), A("bob")], ["ann", "bob"] },
        { "one operator twice is one", [A("ann"), A("ann", hoursAgo: 0.5)], ["ann"] },
        { "a name differing only in case is the same operator", [A("ann"), A("ANN", hoursAgo: 0.5)], ["ann"] },
        { "an approval of the review hold is none of the frozen hold", [A("ann", kind: "frozen"), A("bob")], ["bob"] },
        { "an approval of an earlier version is none of this one", [A("ann", version: 3), A("bob")], ["bob"] },
        { "an expired approval counts no more", [A("ann", hoursAgo: 24), A("bob")], ["bob"] },
        { "an approval just short of expiring still counts", [A("ann", hoursAgo: 23.99), A("bob")], ["ann", "bob"] },
        { "an approval recorded before approvals were bound counts for nothing", [A("ann") with { HoldKind = null }],
            [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Counts_distinct_operators_of_this_hold_and_version_within_the_lifetime(string name,
        ReleaseApproval[] approvals, string[] counted)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(counted, ReleaseApprovals.Counted(approvals, "review", 4, Now, Day));
    }

    [Fact]
    public void An_approval_is_given_when_decided_but_never_later_than_recorded()
    {
        Assert.Equal(Now.AddHours(-2), ReleaseApprovals.GivenAt(Now.AddHours(-2), Now));
        Assert.Equal(Now, ReleaseApprovals.GivenAt(Now.AddHours(5), Now));
    }
}
