namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>
/// Which contests an operator may cancel, as the console and cpctl check it before publishing:
/// any not yet COMPLETE. The read model trails the referee, so this is a courtesy; the referee
/// decides, and refuses a cancel that reaches it after COMPLETE.
/// </summary>
public static class ContestCancel
{
    /// <summary>What happens next, as both tools say it (Ingestion enforces the rule).</summary>
    public const string TwoPersons =
        "A contest with paid entries is cancelled once a second, different operator cancels it too, while the first "
        + "request still counts (24 h by default; until then an alert says it waits, and nothing is refunded); every "
        + "paid entry is then refunded once the referee cancels it.";

    public static bool Allowed(string? state) => state is "SCHEDULED" or "LOCKED" or "LIVE";

    public static string Refusal(string contestId, string? state) =>
        $"contest {contestId} is {state}; only a contest not yet COMPLETE (SCHEDULED, LOCKED or LIVE) can be cancelled";
}
