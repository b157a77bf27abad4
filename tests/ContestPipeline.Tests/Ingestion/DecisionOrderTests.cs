using ContestPipeline.Ingestion.Entries;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// The rule that keeps entry decisions a function of the order submissions were made in: a later
/// submission waits for an earlier one whose payment is not known yet exactly when its outcome
/// could depend on it.
/// </summary>
public sealed class DecisionOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static WaitingSubmission Waiting(string id, string player, int second) =>
        new(id, player, T0.AddSeconds(second));

    [Fact]
    public void A_players_later_submission_waits_for_the_earlier_one_when_the_limit_would_count_it()
    {
        var order = new DecisionOrder([Waiting("s1", "ann", 1)], maxEntries: 1_000, maxEntriesPerPlayer: 1);
        Assert.True(order.MustWait("ann", T0.AddSeconds(2), playerAccepted: 0, contestAccepted: 10));
        // Another player's is not held by ann's.
        Assert.False(order.MustWait("ben", T0.AddSeconds(3), playerAccepted: 0, contestAccepted: 10));
    }

    [Fact]
    public void Below_the_limit_counting_every_earlier_one_nothing_waits()
    {
        var order = new DecisionOrder([Waiting("s1", "ann", 1), Waiting("s2", "ann", 2)], maxEntries: 1_000,
            maxEntriesPerPlayer: 4);
        Assert.False(order.MustWait("ann", T0.AddSeconds(3), playerAccepted: 1, contestAccepted: 10));
        // With one more accepted, the two waiting ones would bring ann to her limit of 4.
        var tighter = new DecisionOrder([Waiting("s1", "ann", 1), Waiting("s2", "ann", 2)], maxEntries: 1_000,
            maxEntriesPerPlayer: 4);
        Assert.True(tighter.MustWait("ann", T0.AddSeconds(3), playerAccepted: 2, contestAccepted: 10));
    }

    [Fact]
    public void An_earlier_submission_made_after_does_not_hold_one_made_before_it()
    {
        var order = new DecisionOrder([Waiting("s9", "ann", 9)], maxEntries: 1_000, maxEntriesPerPlayer: 1);
        Assert.False(order.MustWait("ann", T0.AddSeconds(5), playerAccepted: 0, contestAccepted: 0));
    }

    [Fact]
    public void Made_at_the_same_instant_counts_as_earlier()
    {
        var order = new DecisionOrder([Waiting("s1", "ann", 5)], maxEntries: 1_000, maxEntriesPerPlayer: 1);
        Assert.True(order.MustWait("ann", T0.AddSeconds(5), playerAccepted: 0, contestAccepted: 0));
    }

    [Fact]
    public void The_last_places_of_a_full_contest_go_in_the_order_submissions_were_made()
    {
        // Two places left; three earlier submissions wait for their payment: whoever comes after them waits.
        var order = new DecisionOrder([Waiting("a", "p1", 1), Waiting("b", "p2", 2), Waiting("c", "p3", 3)],
            maxEntries: 10,
            maxEntriesPerPlayer: 1);
        Assert.False(order.MustWait("p0", T0, playerAccepted: 0, contestAccepted: 8));
        Assert.True(order.MustWait("p4", T0.AddSeconds(4), playerAccepted: 0, contestAccepted: 8));
        // With room for every waiting one and this one, it goes.
        var roomy =
            new DecisionOrder([Waiting("a", "p1", 1), Waiting("b", "p2", 2)], maxEntries: 10, maxEntriesPerPlayer: 1);
        Assert.False(roomy.MustWait("p4", T0.AddSeconds(4), playerAccepted: 0, contestAccepted: 7));
    }

    [Fact]
    public void A_submission_that_waits_holds_those_after_it()
    {
        var order = new DecisionOrder([Waiting("s1", "ann", 1)], maxEntries: 1_000, maxEntriesPerPlayer: 2);
        // ann has one entry; s1 waiting brings her to 2: her next waits, and so does the one after it.
        Assert.True(order.MustWait("ann", T0.AddSeconds(2), playerAccepted: 1, contestAccepted: 0));
        Assert.True(order.MustWait("ann", T0.AddSeconds(3), playerAccepted: 1, contestAccepted: 0));
        Assert.False(DecisionOrder.None.MustWait("ann", T0, playerAccepted: 99, contestAccepted: 99));
    }
}
