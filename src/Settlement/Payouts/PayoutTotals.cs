namespace ContestPipeline.Settlement.Payouts;

/// <summary>What a SETTLED contest's payouts have come to.</summary>
public sealed record PayoutTotals(int Count, int Paid, int Rejected, long PaidMinor, long WithheldMinor)
{
    public bool AllResolved => Paid + Rejected == Count;
}
