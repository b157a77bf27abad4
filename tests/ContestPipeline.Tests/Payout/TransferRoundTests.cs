using ContestPipeline.Payout.Transfers;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A round of transfers is claimed before any of it is sent, so it holds about a second of sending at the
/// instance's rate: the tokens earned while it is claimed fit the bucket's burst, sized to the rate too.
/// </summary>
public sealed class TransferRoundTests
{
    [Theory]
    [InlineData(100, 100, 100)]   // one instance with the whole 100/s
    [InlineData(50, 100, 50)]     // two pooling it
    [InlineData(1_000, 100, 100)] // never more than the most a round claims
    [InlineData(0, 100, 100)]     // no rate yet (settling into a pool): a full round, sent as the rate comes
    [InlineData(3, 100, 3)]
    public void A_round_is_a_second_of_sending_at_the_rate_now_at_most_the_round_limit(int rate, int most, int round) =>
        Assert.Equal(round, SendTransfersJob.RoundSize(rate, most));
}
