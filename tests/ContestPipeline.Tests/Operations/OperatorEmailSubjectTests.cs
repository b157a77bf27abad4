using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Operations.Alerts;

namespace ContestPipeline.Tests.Operations;

/// <summary>The operators' email subjects: the balance alerts' as the finance runbook names them.</summary>
public sealed class OperatorEmailSubjectTests
{
    private static AlertRaised Alert(string code, string severity, string message = "",
        string subject = "platform balance") =>
        new("alert:operations:" + code + ":1", "operations", severity, code, subject, message,
            DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("balance_critical", "[CRITICAL] Critical: Platform Balance Below Minimum Threshold")]
    [InlineData("balance_depleted", "[CRITICAL] Critical: Platform Balance Below Minimum Threshold")]
    [InlineData("balance_warning", "[WARNING] Warning: Platform Balance Below Recommended Level")]
    [InlineData("balance_declining", "[WARNING] Warning: Platform Balance Declining by More Than the Daily Limit")]
    public void The_balance_levels_have_the_runbooks_subjects(string code, string subject) =>
        Assert.Equal(subject, OperatorEmailSubject.For(Alert(code, AlertSeverities.Critical)));

    [Fact]
    public void Running_out_names_the_days_the_monitor_computed()
    {
        Assert.Equal("Risk: Platform Balance May Deplete in 4 Days", OperatorEmailSubject.For(Alert("balance_runs_out",
            AlertSeverities.Warning, "platform balance runs out in 4 days at this rate: available 4000.00 USD")));
        Assert.Equal("Risk: Platform Balance May Deplete Soon",
            OperatorEmailSubject.For(Alert("balance_runs_out", AlertSeverities.Warning, "no days given")));
    }

    [Fact]
    public void Any_other_alert_is_its_severity_code_and_subject() =>
        Assert.Equal("[WARNING] payout_held_review: prize_1",
            OperatorEmailSubject.For(Alert("payout_held_review", AlertSeverities.Warning, subject: "prize_1")));
}
