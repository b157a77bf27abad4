using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.WebConsole.Extensions;
using ContestPipeline.WebConsole.Pages;
using ContestPipeline.WebConsole.Rendering;
using Microsoft.Extensions.Configuration;
using ContestPipeline.Deployment;
using ContestPipeline.ReadModel.Domain;

namespace ContestPipeline.WebConsole.Extensions;

/// <summary>
/// The console's settings: who may sign in (the operators file, usually given as
/// <c>CONTESTPIPELINE_CONSOLE_OPERATORS_FILE</c>), where it listens, the two-person amount (the
/// same setting Payout enforces), the tax reporting threshold, and the platform's currency.
/// </summary>
public sealed record ConsoleOptions(Operators Operators, string Url, long SecondApprovalAboveMinor, long TaxReportingThresholdMinor, string Currency)
{
    public static class Settings
    {
        public const string Operators = "CONTESTPIPELINE_CONSOLE_OPERATORS";
        public const string Url = "CONTESTPIPELINE_CONSOLE_URL";
        public const string TaxReportingThresholdMinor = TaxReporting.ThresholdSetting;
        public const string Currency = "CONTESTPIPELINE_PLATFORM_CURRENCY";
    }

    public const string UrlDefault = "http://127.0.0.1:5080";

    /// <summary>US reporting of prize winnings starts at 600.00 a year.</summary>
    public const long TaxReportingThresholdDefault = TaxReporting.ThresholdDefault;

    public static ConsoleOptions Read(IConfiguration configuration) => new(
        Operators.Parse(Setting.Required(configuration, Settings.Operators, "the operators who may sign in (JSON; usually a file named by " + Settings.Operators + "_FILE)"),
            Settings.Operators),
        Setting.Text(configuration, Settings.Url) ?? UrlDefault,
        Setting.Long(configuration, TwoPersonRule.Setting, TwoPersonRule.AboveMinorDefault, 0, 10_000_000_000),
        Setting.Long(configuration, Settings.TaxReportingThresholdMinor, TaxReportingThresholdDefault, 0, 10_000_000_000),
        Setting.Text(configuration, Settings.Currency) ?? "USD");
}
