using System.Globalization;

namespace ContestPipeline.Webhooks.Forwarding;

/// <summary>
/// Counts the requests the receiver refuses, by outcome, and decides which of them get a log
/// line: the first one, then at most one per <see cref="WebhookLimits.RejectionLogIntervalMs"/>,
/// each line saying how many were refused since the last one and why. A flood of forged
/// requests is thousands of counts and a handful of lines, never a line per request.
/// </summary>
public sealed class WebhookRejections(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<WebhookOutcome, long> _total = [];
    private readonly Dictionary<WebhookOutcome, long> _unlogged = [];
    private DateTimeOffset? _lastLine;

    /// <summary>Every refusal so far, by outcome.</summary>
    public IReadOnlyDictionary<WebhookOutcome, long> Totals
    {
        get
        {
            lock (_gate) return new Dictionary<WebhookOutcome, long>(_total);
        }
    }

    /// <summary>
    /// Counts one refusal; returns the line to log for it, or null when a line was logged too recently.
    /// </summary>
    public string? Count(WebhookOutcome outcome, string detail)
    {
        WebhookTelemetry.Rejected.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            _total[outcome] = _total.GetValueOrDefault(outcome) + 1;
            _unlogged[outcome] = _unlogged.GetValueOrDefault(outcome) + 1;
            if (_lastLine is { } last && now - last < TimeSpan.FromMilliseconds(WebhookLimits.RejectionLogIntervalMs))
                return null;
            var line = $"Stripe webhook refused: {outcome} ({detail}); {Summary(since: _lastLine)}";
            _unlogged.Clear();
            _lastLine = now;
            return line;
        }
    }

    /// <summary>What was refused since the last line and not logged yet, or null if nothing was.</summary>
    public string? Unlogged()
    {
        lock (_gate)
        {
            if (_unlogged.Count == 0) return null;
            var line = "Stripe webhooks refused and not logged yet: " + Summary(_lastLine);
            _unlogged.Clear();
            return line;
        }
    }

    private string Summary(DateTimeOffset? since)
    {
        var n = _unlogged.Values.Sum();
        var by = string.Join(", ", _unlogged.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{n:N0} refused {(since is { } s ? $"since {s:HH:mm:ss.fff}" : "so far")} ({by}); " +
            $"{_total.Values.Sum():N0} in all");
    }
}
