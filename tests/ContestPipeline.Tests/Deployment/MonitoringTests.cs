using ContestPipeline.Deployment;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Deployment;

/// <summary>
/// The monitoring shipped in deploy/: the alert rules valid and unit-tested with promtool (Debian's prometheus),
/// Prometheus's own configuration valid and scraping every process with a health port, and every dashboard query
/// valid PromQL. That they return data from real processes is <c>OnboardCommandTests</c>' part.
/// </summary>
public sealed partial class MonitoringTests
{
    [Fact]
    public async Task The_alert_rules_are_valid_and_pass_their_unit_tests()
    {
        var check = await LocalPrometheus.PromtoolAsync("check", "rules",
            LocalPrometheus.DeployFile("prometheus", "alerts.yml"));
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 9 rules found", check.Output, StringComparison.Ordinal);
        var test = await LocalPrometheus.PromtoolAsync("test", "rules",
            LocalPrometheus.DeployFile("prometheus", "alerts.test.yml"));
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_test_that_expects_the_wrong_thing_fails()
    {
        // The unit tests can fail: the same file with the payment-failure threshold's answer changed is refused.
        var directory = Directory.CreateTempSubdirectory("rules-").FullName;
        File.Copy(LocalPrometheus.DeployFile("prometheus", "alerts.yml"), Path.Combine(directory, "alerts.yml"));
        var tests = File.ReadAllText(LocalPrometheus.DeployFile("prometheus", "alerts.test.yml"));
        Assert.Contains("3% of decided entries", tests, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(directory, "alerts.test.yml"),
            tests.Replace("3% of decided entries", "4% of decided entries", StringComparison.Ordinal));
        var test = await LocalPrometheus.PromtoolAsync("test", "rules", Path.Combine(directory, "alerts.test.yml"));
        Assert.NotEqual(0, test.ExitCode);
        Assert.Contains("PaymentFailuresHigh", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_scrapes_every_process_with_a_health_port()
    {
        var config = LocalPrometheus.DeployFile("prometheus", "prometheus.yml");
        var check = await LocalPrometheus.PromtoolAsync("check", "config", config);
        Assert.True(check.ExitCode == 0, check.Output);
        var targets = File.ReadLines(config).Select(l => Target().Match(l)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value);
        Assert.Equal(ComposeFile.Scraped().Select(s => $"{s.Name}:{Services.HealthPort}").Order(StringComparer.Ordinal),
            targets.Order(StringComparer.Ordinal));
        Assert.Contains("payout", ComposeFile.Scraped().Select(s => s.Name));
    }

    [Fact]
    public async Task Every_dashboard_query_is_valid_promql()
    {
        var queries = LocalPrometheus.DashboardQueries();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries");
        // promtool parses expressions in rule files: each query becomes a recording rule of its own.
        var file = Path.Combine(Directory.CreateTempSubdirectory("dashboard-").FullName, "queries.yml");
        File.WriteAllLines(file, ["groups:", "  - name: dashboard", "    rules:",
            .. queries.SelectMany((q, i) => new[] { $"      - record: dashboard_query_{i}",
                "        expr: " + System.Text.Json.JsonSerializer.Serialize(q.Expr) })]);
        var check = await LocalPrometheus.PromtoolAsync("check", "rules", file);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains($"SUCCESS: {queries.Count} rules found", check.Output, StringComparison.Ordinal);
    }

    /// <summary>A line of the scrape config's target list: "- host:port".</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*- ([a-z-]+:[0-9]+)$")]
    private static partial System.Text.RegularExpressions.Regex Target();
}
