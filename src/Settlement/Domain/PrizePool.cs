using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Settlement.Domain;

/// <summary>
/// Where a contest's prize pool comes from, with every cent accounted for so the ledger can
/// record it: <c>EntryFeesKept + Overlay == Pool + HouseTake</c>.
/// </summary>
/// <param name="EntryFeesKept">The entry fees collected and not refunded.</param>
/// <param name="Rake">In <c>rake</c> mode, the house take: fees × rake rate, rounded half-up (a half cent goes to the house). 0 in <c>guaranteed</c> mode.</param>
/// <param name="Overlay">In <c>guaranteed</c> mode, what the platform adds when the fees fall short of the guarantee. 0 otherwise.</param>
/// <param name="HouseTake">What the house keeps of the fees: the rake in <c>rake</c> mode; in <c>guaranteed</c> mode, the fees above the guarantee (0 when there is an overlay).</param>
/// <param name="Pool">What the winners share, before the platform fee on each prize.</param>
public sealed record PoolBreakdown(Money EntryFeesKept, Money Rake, Money Overlay, Money HouseTake, Money Pool);

public static class PrizePool
{
    /// <summary>
    /// The pool of a contest. <c>rake</c>: fees − half-up(fees × rakeBp). <c>guaranteed</c>:
    /// exactly the guaranteed amount, whatever the fees — the usual rule for a guaranteed prize
    /// pool: the platform covers a shortfall (the overlay) and keeps an excess (the house take).
    /// </summary>
    /// <remarks>
    /// A guaranteed contest takes no rake (Ingestion requires rakeBp 0 there): its house take is
    /// whatever the fees bring above the guarantee. Negative fees, a rake outside 0–5,000 bp or
    /// a guarantee below 1 are bugs upstream and throw.
    /// </remarks>
    public static PoolBreakdown Compute(PoolRule rule, Money entryFeesKept)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (entryFeesKept.IsNegative)
            throw new ArgumentException($"entry fees kept are negative: {entryFeesKept}", nameof(entryFeesKept));
        var currency = entryFeesKept.Currency;
        var zero = Money.Zero(currency);

        switch (rule.Mode)
        {
            case PoolModes.Rake:
            {
                if (rule.RakeBp is < 0 or > ContestLimits.RakeBpMax)
                    throw new ArgumentException($"rake {rule.RakeBp} bp is not between 0 and {ContestLimits.RakeBpMax}", nameof(rule));
                if (rule.GuaranteedMinor != 0)
                    throw new ArgumentException($"a rake pool has a guarantee of {rule.GuaranteedMinor}", nameof(rule));
                var rake = new Money(new BasisPoints(rule.RakeBp).ApplyHalfUp(entryFeesKept.MinorUnits), currency);
                return Checked(new PoolBreakdown(entryFeesKept, rake, zero, rake, entryFeesKept - rake));
            }
            case PoolModes.Guaranteed:
            {
                if (rule.GuaranteedMinor < 1)
                    throw new ArgumentException($"a guaranteed pool of {rule.GuaranteedMinor} is below 1", nameof(rule));
                if (rule.RakeBp != 0)
                    throw new ArgumentException($"a guaranteed pool has a rake of {rule.RakeBp} bp", nameof(rule));
                var pool = new Money(rule.GuaranteedMinor, currency);
                var overlay = entryFeesKept.MinorUnits < pool.MinorUnits ? pool - entryFeesKept : zero;
                var houseTake = entryFeesKept.MinorUnits > pool.MinorUnits ? entryFeesKept - pool : zero;
                return Checked(new PoolBreakdown(entryFeesKept, zero, overlay, houseTake, pool));
            }
            default:
                throw new ArgumentException($"pool mode '{rule.Mode}' is unknown", nameof(rule));
        }
    }

    private static PoolBreakdown Checked(PoolBreakdown b)
    {
        if (b.Pool.IsNegative || b.Rake.IsNegative || b.Overlay.IsNegative || b.HouseTake.IsNegative
            || b.EntryFeesKept + b.Overlay != b.Pool + b.HouseTake)
            throw new InvalidOperationException($"pool does not balance: {b}");
        return b;
    }
}
