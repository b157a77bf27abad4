namespace ContestPipeline.StripeEmulation;

/// <summary>Injected faults, consumed first-added first by the requests that match them.</summary>
internal sealed class FaultTable
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];

    private sealed class Rule(StripeFault fault)
    {
        public StripeFault Fault { get; } = fault;
        public int Left { get; set; } = fault.Count;
    }

    public void Add(StripeFault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.Count, 1, nameof(fault.Count));
        if (fault.Kind is StripeFaultKind.AppliedThenDelayed or StripeFaultKind.Latency or StripeFaultKind.SlowExecution
            && fault.Delay is null)
            throw new ArgumentException($"{fault.Kind} needs a delay", nameof(fault));
        lock (_gate) _rules.Add(new Rule(fault));
    }

    public void Clear()
    {
        lock (_gate) _rules.Clear();
    }

    public StripeFault? Take(string method, string path)
    {
        lock (_gate)
        {
            var rule = _rules.Find(r =>
                (r.Fault.Method == "*" || string.Equals(r.Fault.Method, method, StringComparison.OrdinalIgnoreCase)) &&
                path.StartsWith(r.Fault.PathPrefix, StringComparison.Ordinal));
            if (rule is null) return null;
            if (--rule.Left == 0) _rules.Remove(rule);
            return rule.Fault;
        }
    }
}
