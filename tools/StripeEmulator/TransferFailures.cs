namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Transfers test control has set to fail as they are made, first set first used: each rule fails the next
/// <c>count</c> transfers (to one destination, or any) with its failure code. Called under the state's lock.
/// </summary>
internal sealed class TransferFailures
{
    private readonly List<Rule> _rules = [];

    private sealed class Rule(string failureCode, string? destination, int count)
    {
        public string FailureCode { get; } = failureCode;
        public string? Destination { get; } = destination;
        public int Left { get; set; } = count;
    }

    public void Add(string failureCode, int count, string? destination)
    {
        FailureCodes.Message(failureCode);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _rules.Add(new Rule(failureCode, destination, count));
    }

    /// <summary>The failure code the next transfer to <paramref name="destination"/> fails with, or null.</summary>
    public string? Take(string destination)
    {
        var rule = _rules.Find(r => r.Destination is null || r.Destination == destination);
        if (rule is null) return null;
        if (--rule.Left == 0) _rules.Remove(rule);
        return rule.FailureCode;
    }
}
