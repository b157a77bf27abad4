using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Payout.Refunds;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The one transition-table type every worker's state machines are declared with, and the machines themselves, row by
/// row.
/// </summary>
public sealed class TransitionTableTests
{
    [Fact]
    public void A_transition_the_table_forbids_is_a_bug_naming_the_machine_the_subject_and_the_move()
    {
        var error = Assert.Throws<InvariantViolatedException>(() =>
            SettlementLifecycle.AssertTransition("c1", SettlementState.Paid, SettlementState.Cancelled));
        Assert.Equal("illegal settlement transition of contest c1: PAID -> CANCELLED", error.Message);
    }

    [Fact]
    public void A_stored_state_the_table_does_not_know_is_a_bug_never_a_default()
    {
        var error = Assert.Throws<InvariantViolatedException>(() => EntriesLifecycle.Parse("c1", "paused"));
        Assert.Equal("contest c1 has unknown entries state 'paused'", error.Message);
        Assert.Throws<InvariantViolatedException>(() => SettlementLifecycle.Parse("c1", null));
    }

    [Fact]
    public void A_table_moving_to_a_state_it_does_not_list_is_refused_when_it_is_declared()
    {
        var error = Assert.Throws<ArgumentException>(() => new TransitionTable<string>("test",
            new Dictionary<string, string[]> { ["a"] = ["b"] }, s => s));
        Assert.StartsWith("test: a moves to b, which is not a state of the table", error.Message);
    }

    [Theory]
    [InlineData(SettlementState.Open, SettlementState.Complete, true)]
    [InlineData(SettlementState.Open, SettlementState.Cancelled, true)]
    [InlineData(SettlementState.Complete, SettlementState.Settled, true)]
    [InlineData(SettlementState.Settled, SettlementState.Paid, true)]
    [InlineData(SettlementState.Complete, SettlementState.Cancelled, false)]
    [InlineData(SettlementState.Settled, SettlementState.Cancelled, false)]
    [InlineData(SettlementState.Paid, SettlementState.Cancelled, false)]
    [InlineData(SettlementState.Open, SettlementState.Settled, false)]
    [InlineData(SettlementState.Paid, SettlementState.Settled, false)]
    public void Settlement_contests_move_only_forward_and_are_cancelled_only_while_open(SettlementState from,
        SettlementState to, bool legal) =>
        Assert.Equal(legal, SettlementLifecycle.CanTransition(from, to));

    [Theory]
    [InlineData(EntriesState.Open, EntriesState.Closed, true)]
    [InlineData(EntriesState.Open, EntriesState.Cancelled, true)]
    [InlineData(EntriesState.Closed, EntriesState.Cancelled, true)]
    [InlineData(EntriesState.Closed, EntriesState.Open, false)]
    [InlineData(EntriesState.Cancelled, EntriesState.Open, false)]
    public void Entries_never_reopen_for_a_contest(EntriesState from, EntriesState to, bool legal) =>
        Assert.Equal(legal, EntriesLifecycle.CanTransition(from, to));

    [Theory]
    [InlineData(PayoutState.Waiting, PayoutState.Submitting, true)]
    [InlineData(PayoutState.Submitting, PayoutState.Paid, true)]
    [InlineData(PayoutState.Paid, PayoutState.Failed, true)]
    [InlineData(PayoutState.Failed, PayoutState.Waiting, true)]
    [InlineData(PayoutState.Rejected, PayoutState.Waiting, false)]
    [InlineData(PayoutState.Rejected, PayoutState.Paid, false)]
    [InlineData(PayoutState.Paid, PayoutState.Submitting, false)]
    [InlineData(PayoutState.Submitting, PayoutState.Waiting, false)]
    // Only while no transfer can have been sent under its key: the review handler asks PayoutRow.Rejectable.
    [InlineData(PayoutState.Submitting, PayoutState.Rejected, true)]
    [InlineData(PayoutState.Quarantined, PayoutState.Rejected, false)]
    public void A_payout_sent_or_rejected_is_never_sent_again_by_a_transition(PayoutState from,
        PayoutState to, bool legal) =>
        Assert.Equal(legal, PayoutLifecycle.CanTransition(from, to));

    [Fact]
    public void Every_payout_state_is_stored_and_published_by_its_wire_name()
    {
        Assert.Equal([PayoutStatusNames.Waiting, PayoutStatusNames.AwaitingAccount, PayoutStatusNames.Held,
            PayoutStatusNames.Submitting, PayoutStatusNames.Paid, PayoutStatusNames.Failed, PayoutStatusNames.Rejected,
            PayoutStatusNames.Quarantined],
            Enum.GetValues<PayoutState>().Select(PayoutLifecycle.Name));
        Assert.All(Enum.GetValues<PayoutState>(),
            s => Assert.Equal(s, PayoutLifecycle.Parse("p", PayoutLifecycle.Name(s))));
        Assert.Equal(["waiting", "submitting", "refunded", "failed"],
            Enum.GetValues<RefundState>().Select(RefundLifecycle.Name));
    }

    [Fact]
    public void The_transfer_job_looks_again_only_at_holds_that_resume_by_themselves()
    {
        Assert.Equal([HoldKinds.NewAccount, HoldKinds.Velocity, HoldKinds.Balance],
            PayoutLifecycle.SelfResumingHolds.Select(h => PayoutLifecycle.HoldName(h)));
        Assert.All(PayoutLifecycle.Dispatched, s => Assert.Contains(s, PayoutLifecycle.States));
    }
}
