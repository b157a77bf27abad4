using System.Globalization;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// How a freeze on an entry fee is named: a dispute by its id, a refund made outside the pipeline by the charge's
/// refunded total; and how its cause is stored (payout.freezes.cause).
/// </summary>
public static class Freezes
{
    public const string RefundedPrefix = "refunded:";

    public static string OfRefund(long amountRefundedMinor) =>
        RefundedPrefix + amountRefundedMinor.ToString(CultureInfo.InvariantCulture);

    /// <summary>The cause as stored: disputed, refunded.</summary>
    public static string CauseName(FreezeCause cause) => cause switch
    {
        FreezeCause.Disputed => "disputed",
        FreezeCause.Refunded => "refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "not a freeze cause"),
    };

    /// <summary>A stored cause; a name no cause has is a bug.</summary>
    public static FreezeCause ParseCause(string freezeId, string? name)
    {
        foreach (var cause in Enum.GetValues<FreezeCause>())
            if (CauseName(cause) == name) return cause;
        throw new InvariantViolatedException($"freeze {freezeId} has unknown cause '{name}'");
    }
}
