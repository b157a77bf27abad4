using ContestPipeline.Payout.Transfers;

namespace ContestPipeline.Payout.Gates;

/// <summary>
/// What an operator's release waives: the gate of the hold it released, by kind, and for a
/// frozen prize the freezes it saw, by id. A freeze that arrives after the release is not
/// waived, so it holds the prize again.
/// </summary>
public static class Waivers
{
    public static string Freeze(string freezeId) => "freeze:" + freezeId;

    /// <summary>The waiver of a hold's gate, kept by the hold's stored name (review, limit ...).</summary>
    public static string Gate(PayoutHold hold) => PayoutLifecycle.HoldName(hold);

    /// <summary>
    /// What releasing <paramref name="hold"/> waives, given the freezes in force when it was released.
    /// </summary>
    public static IReadOnlyList<string> ForRelease(PayoutHold hold, IReadOnlyList<string> freezesInForce) => hold switch
    {
        PayoutHold.Frozen => [.. freezesInForce.Select(Freeze)],
        PayoutHold.Review or PayoutHold.Limit or PayoutHold.NewAccount or PayoutHold.Velocity => [Gate(hold)],
        // The balance and the account are never waived: a release only lets the payout try again.
        _ => [],
    };
}
