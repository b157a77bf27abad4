namespace ContestPipeline.Stripe;

/// <summary>
/// Stripe limits the account, not the process: every process that calls Stripe (each Ingestion
/// and each Payout instance) draws on one budget, the account's requests per second. The budget
/// is split explicitly: each process is given its share (<c>CONTESTPIPELINE_STRIPE_RPS</c>, its
/// client's token bucket, with a burst of <c>CONTESTPIPELINE_STRIPE_BURST</c>), and whoever sets
/// up the deployment checks here that the shares add up: over any window of T seconds the
/// processes send at most Σ burst + Σ rate × T requests, and the account admits
/// limit + limit × T, so both sums must stay within the limit. A process refuses to start with a
/// share above the account's limit on its own; only the set-up sees every process.
/// </summary>
public static class StripeBudget
{
    /// <summary>One process's share: its steady rate and its burst.</summary>
    public sealed record Share(string Process, int RequestsPerSecond, int Burst);

    /// <summary>
    /// What is wrong with these shares of an account allowing <paramref name="accountRequestsPerSecond"/>; empty when
    /// they add up.
    /// </summary>
    public static IReadOnlyList<string> Problems(int accountRequestsPerSecond, IReadOnlyCollection<Share> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var problems = new List<string>();
        var rate = shares.Sum(s => (long)s.RequestsPerSecond);
        var burst = shares.Sum(s => (long)s.Burst);
        var each = string.Join(", ", shares.Select(s => $"{s.Process} {s.RequestsPerSecond}/s burst {s.Burst}"));
        if (rate > accountRequestsPerSecond)
            problems.Add($"the processes' Stripe rates add up to {rate}/s, above the account's limit of " +
                $"{accountRequestsPerSecond}/s ({each})");
        if (burst > accountRequestsPerSecond)
            problems.Add($"the processes' Stripe bursts add up to {burst}, above the account's limit of " +
                $"{accountRequestsPerSecond} a second ({each})");
        return problems;
    }

    /// <summary>
    /// Splits the account's limit between processes in proportion to their weights, rounding
    /// down (never over), each at least 1/s; bursts split the same way. Throws when there are more
    /// processes than requests per second.
    /// </summary>
    public static IReadOnlyList<Share> Split(int accountRequestsPerSecond,
        IReadOnlyList<(string Process, int Weight)> processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        if (processes.Count == 0) return [];
        if (processes.Count > accountRequestsPerSecond)
            throw new ArgumentException($"{processes.Count} processes cannot share {accountRequestsPerSecond} " +
                "requests/s at 1/s each", nameof(processes));
        var total = processes.Sum(p => (long)Math.Max(1, p.Weight));
        var burstBudget = Math.Max(processes.Count, accountRequestsPerSecond / 5);
        return [.. processes.Select(p =>
        {
            var weight = Math.Max(1, p.Weight);
            var rate = (int)Math.Max(1, accountRequestsPerSecond * weight / total);
            var burst = (int)Math.Clamp(burstBudget * weight / total, 1, rate);
            return new Share(p.Process, rate, burst);
        })];
    }

    /// <summary>
    /// A pooled instance's rate: the pool (<see cref="StripeSettings.PoolRequestsPerSecond"/>) shared
    /// equally by the <paramref name="wanting"/> instances that have calls to make, this one
    /// included, rounding down. An instance spends only once it is <paramref name="settled"/>: seen
    /// wanting for long enough that every other instance has counted it (a view older than that
    /// earns nothing), so the rates never add up above the pool; until then, and while it has nothing
    /// to send, it earns nothing and has only its burst.
    /// </summary>
    public static int PooledRate(int poolRequestsPerSecond, int wanting, bool settled) =>
        settled && wanting > 0 ? poolRequestsPerSecond / wanting : 0;
}
