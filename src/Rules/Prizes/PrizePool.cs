using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Rules.Prizes;

/// <summary>
/// Where a contest's prize pool comes from, with every cent accounted for so the ledger can
/// record it: <c>EntryFeesKept + Overlay == Pool + HouseTake</c>, and in <c>guaranteed</c> mode
/// <c>Pool + Unfilled == guarantee</c>.
/// </summary>
/// <param name="EntryFeesKept">The entry fees collected and not refunded.</param>
/// <param name="Rake">In <c>rake</c> mode, the house take: fees × rake rate, rounded half-up (a half cent goes to the
/// house). 0 in <c>guaranteed</c> mode.</param>
/// <param name="Overlay">In <c>guaranteed</c> mode, what the platform adds when the fees fall short of the pool. 0
/// otherwise.</param>
/// <param name="HouseTake">What the house keeps of the fees: the rake in <c>rake</c> mode; in <c>guaranteed</c> mode,
/// the fees above the pool (0 when there is an overlay).</param>
/// <param name="Pool">What the winners share, before the platform fee on each prize: what is actually paid out.</param>
/// <param name="Unfilled">
/// In <c>guaranteed</c> mode with a <c>fixed_amounts</c> table and fewer entries than paid places,
/// the published amounts of the places no entry reached. They are part of the guarantee but not
/// of the pool: nobody holds those places, so nothing is paid for them and the platform never
/// puts them in (its overlay is smaller by as much: overlay savings). No money moves for them, so
/// the ledger has no line for them. 0 otherwise.
/// </param>
public sealed record PoolBreakdown(Money EntryFeesKept, Money Rake, Money Overlay, Money HouseTake, Money Pool,
    Money Unfilled)
{
    /// <summary>A breakdown with nothing unfilled.</summary>
    public PoolBreakdown(Money EntryFeesKept, Money Rake, Money Overlay, Money HouseTake, Money Pool)
        : this(EntryFeesKept, Rake, Overlay, HouseTake, Pool, Money.Zero(EntryFeesKept.Currency))
    {
    }
}

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
    public static PoolBreakdown Compute(PoolRule rule, Money entryFeesKept) =>
        Compute(rule, entryFeesKept, Money.Zero(entryFeesKept.Currency));

    /// <summary>
    /// The pool of a guaranteed contest whose <c>fixed_amounts</c> table has places no entry
    /// reached: the guarantee less those places' amounts (<paramref name="unfilled"/>), which are
    /// never paid. Overlay and house take are then measured against what is paid, not against
    /// the guarantee. An unfilled amount on a rake pool, or above the guarantee, is a bug and throws.
    /// </summary>
    public static PoolBreakdown Compute(PoolRule rule, Money entryFeesKept, Money unfilled)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (unfilled.IsNegative || unfilled.Currency != entryFeesKept.Currency)
            throw new ArgumentException($"unfilled places' amount {unfilled} is negative or not in " +
                $"{entryFeesKept.Currency}", nameof(unfilled));
        if (entryFeesKept.IsNegative)
            throw new ArgumentException($"entry fees kept are negative: {entryFeesKept}", nameof(entryFeesKept));
        var currency = entryFeesKept.Currency;
        var zero = Money.Zero(currency);

        switch (rule.Mode)
        {
            case PoolModes.Rake:
            {
                if (rule.RakeBp is < 0 or > ContestLimits.RakeBpMax)
                    throw new ArgumentException($"rake {rule.RakeBp} bp is not between 0 and {ContestLimits.RakeBpMax}",
                        nameof(rule));
                if (rule.GuaranteedMinor != 0)
                    throw new ArgumentException($"a rake pool has a guarantee of {rule.GuaranteedMinor}", nameof(rule));
                if (unfilled.MinorUnits != 0)
                    throw new ArgumentException($"a rake pool has unfilled fixed amounts of {unfilled}",
                        nameof(unfilled));
                var rake = new Money(new BasisPoints(rule.RakeBp).ApplyHalfUp(entryFeesKept.MinorUnits), currency);
                return Checked(new PoolBreakdown(entryFeesKept, rake, zero, rake, entryFeesKept - rake));
            }
            case PoolModes.Guaranteed:
            {
                if (rule.GuaranteedMinor < 1)
                    throw new ArgumentException($"a guaranteed pool of {rule.GuaranteedMinor} is below 1",
                        nameof(rule));
                if (rule.RakeBp != 0)
                    throw new ArgumentException($"a guaranteed pool has a rake of {rule.RakeBp} bp", nameof(rule));
                if (unfilled.MinorUnits > rule.GuaranteedMinor)
                    throw new ArgumentException($"unfilled places' amount {unfilled} is above the guarantee " +
                        $"{rule.GuaranteedMinor}", nameof(unfilled));
                var pool = new Money(rule.GuaranteedMinor, currency) - unfilled;
                var overlay = entryFeesKept.MinorUnits < pool.MinorUnits ? pool - entryFeesKept : zero;
                var houseTake = entryFeesKept.MinorUnits > pool.MinorUnits ? entryFeesKept - pool : zero;
                return Checked(new PoolBreakdown(entryFeesKept, zero, overlay, houseTake, pool, unfilled));
            }
            default:
                throw new ArgumentException($"pool mode '{rule.Mode}' is unknown", nameof(rule));
        }
    }

    private static PoolBreakdown Checked(PoolBreakdown b)
    {
        if (b.Pool.IsNegative || b.Rake.IsNegative || b.Overlay.IsNegative || b.HouseTake.IsNegative
            || b.Unfilled.IsNegative
            || b.EntryFeesKept + b.Overlay != b.Pool + b.HouseTake)
            throw new InvalidOperationException($"pool does not balance: {b}");
        return b;
    }
}
