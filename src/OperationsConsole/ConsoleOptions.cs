using System.Security.Cryptography.X509Certificates;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using Microsoft.Extensions.Configuration;
using ContestPipeline.Deployment;
using ContestPipeline.Operations.Queries.Players;

namespace ContestPipeline.OperationsConsole;

/// <summary>
/// The console's settings: who may sign in (the operators file, usually given as
/// <c>CONTESTPIPELINE_CONSOLE_OPERATORS_FILE</c>), where it listens, the two-person amount (the
/// same setting Payout enforces), the tax reporting threshold, and the platform's currency.
/// </summary>
public sealed record ConsoleOptions(
    Operators Operators, string Url, long SecondApprovalAboveMinor, long TaxReportingThresholdMinor, string Currency)
{
    /// <summary>
    /// The PEM certificate and key an https <see cref="Url"/> serves (paths; compose mounts them as secrets).
    /// </summary>
    public string? TlsCertificatePath { get; init; }

    public string? TlsKeyPath { get; init; }

    public static class Settings
    {
        public const string Operators = "CONTESTPIPELINE_CONSOLE_OPERATORS";
        public const string Url = "CONTESTPIPELINE_CONSOLE_URL";
        public const string TaxReportingThresholdMinor = TaxReporting.ThresholdSetting;
        public const string Currency = "CONTESTPIPELINE_PLATFORM_CURRENCY";
        public const string TlsCertificate = "CONTESTPIPELINE_CONSOLE_TLS_CERTIFICATE";
        public const string TlsKey = "CONTESTPIPELINE_CONSOLE_TLS_KEY";
    }

    public const string UrlDefault = "http://127.0.0.1:5080";

    /// <summary>US reporting of prize winnings starts at 600.00 a year.</summary>
    public const long TaxReportingThresholdDefault = TaxReporting.ThresholdDefault;

    public static ConsoleOptions Read(IConfiguration configuration) => new(
        Operators.Parse(
            Setting.Required(configuration, Settings.Operators,
                "the operators who may sign in (JSON; usually a file named by " + Settings.Operators + "_FILE)"),
            Settings.Operators),
        Setting.Text(configuration, Settings.Url) ?? UrlDefault,
        Setting.Long(configuration, TwoPersonRule.Setting, TwoPersonRule.AboveMinorDefault, 0, 10_000_000_000),
        Setting.Long(
            configuration, Settings.TaxReportingThresholdMinor, TaxReportingThresholdDefault, 0, 10_000_000_000),
        Setting.Text(configuration, Settings.Currency) ?? "USD")
    {
        TlsCertificatePath = Setting.Text(configuration, Settings.TlsCertificate),
        TlsKeyPath = Setting.Text(configuration, Settings.TlsKey),
    };

    /// <summary>
    /// The certificate an https console serves; null for plain HTTP, which production refuses (its cookies
    /// and passwords would cross the network in clear).
    /// </summary>
    public X509Certificate2? TlsCertificate(DeploymentEnvironment environment) =>
        new ServerTls(Settings.Url, Settings.TlsCertificate, Settings.TlsKey)
            .Certificate(Url, TlsCertificatePath, TlsKeyPath, environment, "the console");
}
