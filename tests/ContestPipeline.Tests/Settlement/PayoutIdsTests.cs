using ContestPipeline.Stripe;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Tests.Settlement;

public sealed class PayoutIdsTests
{
    [Fact]
    public void A_payout_id_never_changes()
    {
        // Pinned: a change here would give every unpaid prize a new Stripe idempotency key.
        // printf '%s' '17:nfl-2026-w12-main:entry_pi_3QJf2kLx9aT0bC1d' | sha256sum | cut -c1-32
        Assert.Equal("prize_a4cb7120a8a889c34e9d8b4e0aef4617",
            PayoutIds.For("nfl-2026-w12-main", "entry_pi_3QJf2kLx9aT0bC1d"));
    }

    [Fact]
    public void A_payout_id_fits_a_stripe_idempotency_key_whatever_the_ids()
    {
        var id = PayoutIds.For(new string('c', 100), new string('e', 10_000));
        Assert.Equal(PayoutIds.Length, id.Length);
        Assert.True(id.Length <= StripeApi.IdempotencyKeyLengthMax);
    }

    [Fact]
    public void Contest_and_entry_ids_that_run_together_give_different_payout_ids()
    {
        Assert.NotEqual(PayoutIds.For("a:b", "c"), PayoutIds.For("a", "b:c"));
        Assert.NotEqual(PayoutIds.For("c1", "e1"), PayoutIds.For("c1", "e2"));
        Assert.NotEqual(PayoutIds.For("c1", "e1"), PayoutIds.For("c2", "e1"));
        Assert.Equal(PayoutIds.For("c1", "e1"), PayoutIds.For("c1", "e1"));
    }
}
