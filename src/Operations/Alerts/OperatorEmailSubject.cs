using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Alerts;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// The subject of the email an alert sends the operators: the balance alerts' subjects as the platform's finance
/// runbook knows them, every other alert as <c>[SEVERITY] code: subject</c>.
/// </summary>
public static partial class OperatorEmailSubject
{
    public static string For(AlertRaised alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Code switch
        {
            "balance_critical" or "balance_depleted" => "[CRITICAL] Critical: Platform Balance Below Minimum Threshold",
            "balance_warning" => "[WARNING] Warning: Platform Balance Below Recommended Level",
            "balance_runs_out" => DaysToEmpty().Match(alert.Message) is { Success: true } m
                ? $"Risk: Platform Balance May Deplete in {m.Groups["days"].Value} Days"
                : "Risk: Platform Balance May Deplete Soon",
            "balance_declining" => "[WARNING] Warning: Platform Balance Declining by More Than the Daily Limit",
            _ => $"[{alert.Severity.ToUpperInvariant()}] {alert.Code}: {alert.Subject}",
        };
    }

    /// <summary>How the balance monitor's runs-out alert states the days left (Balance/SnapshotBalanceJob).</summary>
    [GeneratedRegex(@"runs out in (?<days>[0-9]+) days")]
    private static partial Regex DaysToEmpty();
}
