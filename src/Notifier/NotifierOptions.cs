using ContestPipeline.Plumbing;
using MailKit.Security;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Notifier;

/// <summary>
/// Where notifications go: operators' email through an SMTP server, players' notifications to the
/// platform's callback endpoint (signed with the secret it shares with the sender), and how the
/// delivery job paces itself. Each is set by its setting in <see cref="Settings"/>.
/// </summary>
public sealed record NotifierOptions
{
    public required string SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 587;
    public SecureSocketOptions SmtpSecurity { get; init; } = SecureSocketOptions.StartTls;

    /// <summary>The SMTP server's user, when it asks for one (the password is a secret file).</summary>
    public string? SmtpUser { get; init; }
    public string? SmtpPassword { get; init; }
    public required string From { get; init; }
    /// <summary>
    /// The operators' addresses, each as <see cref="Channels.OperatorAddress"/> reads it (an address, and
    /// <c>:critical</c> for one that takes critical notifications only).
    /// </summary>
    public required IReadOnlyList<string> OperatorsEmail { get; init; }
    public required Uri PlatformWebhookUrl { get; init; }
    public required string PlatformWebhookSecret { get; init; }

    /// <summary>How often the delivery job looks for due deliveries when it found none.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim keeps another sender off a delivery (renewed while it is sent).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one attempt (an SMTP session, a callback request) may take before it counts as failed.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public int BatchSize { get; init; } = 20;

    public static class Settings
    {
        public const string SmtpHost = "CONTESTPIPELINE_SMTP_HOST";
        public const string SmtpPort = "CONTESTPIPELINE_SMTP_PORT";
        public const string SmtpSecurity = "CONTESTPIPELINE_SMTP_SECURITY";
        public const string SmtpUser = "CONTESTPIPELINE_SMTP_USER";
        public const string SmtpPassword = "CONTESTPIPELINE_SMTP_PASSWORD";
        public const string From = "CONTESTPIPELINE_NOTIFY_FROM";
        public const string OperatorsEmail = "CONTESTPIPELINE_NOTIFY_OPERATORS_EMAIL";
        public const string PlatformWebhookUrl = "CONTESTPIPELINE_PLATFORM_WEBHOOK_URL";
        public const string PlatformWebhookSecret = "CONTESTPIPELINE_PLATFORM_WEBHOOK_SECRET";
        public const string IntervalMs = "CONTESTPIPELINE_NOTIFY_INTERVAL_MS";
        public const string AttemptTimeoutMs = "CONTESTPIPELINE_NOTIFY_ATTEMPT_TIMEOUT_MS";
    }

    /// <summary>The options from the settings; a missing or bad one is a start-up error naming it.</summary>
    public static NotifierOptions Read(IConfiguration? configuration)
    {
        var operators = Setting.List(configuration, Settings.OperatorsEmail);
        if (operators.Count == 0)
            throw new StartupException($"{Settings.OperatorsEmail} is not set: the operators' email addresses, " +
                "comma-separated, each with ':critical' if it takes critical notifications only");
        foreach (var entry in operators)
        {
            try { Channels.OperatorAddress.Parse(entry); }
            catch (FormatException e) { throw new StartupException($"{Settings.OperatorsEmail}: {e.Message}"); }
        }
        return new NotifierOptions
        {
            SmtpHost = Setting.Required(configuration, Settings.SmtpHost,
                "the SMTP server operators' email goes through"),
            SmtpPort = Setting.Int(configuration, Settings.SmtpPort, 587, 1, 65_535),
            SmtpSecurity = Security(Setting.Text(configuration, Settings.SmtpSecurity) ?? "starttls"),
            SmtpUser = Setting.Text(configuration, Settings.SmtpUser),
            SmtpPassword = Setting.Text(configuration, Settings.SmtpPassword),
            From = Setting.Required(configuration, Settings.From, "the address operators' email comes from"),
            OperatorsEmail = operators,
            PlatformWebhookUrl = Setting.Url(configuration, Settings.PlatformWebhookUrl)
                ?? throw new StartupException($"{Settings.PlatformWebhookUrl} is not set: where players' " +
                    "notifications go"),
            PlatformWebhookSecret = Setting.Required(configuration, Settings.PlatformWebhookSecret,
                "the secret the platform checks the webhooks' signatures with"),
            Interval = Setting.Milliseconds(configuration, Settings.IntervalMs, TimeSpan.FromSeconds(1),
                TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
            AttemptTimeout = Setting.Milliseconds(configuration, Settings.AttemptTimeoutMs, TimeSpan.FromSeconds(15),
                TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        };
    }

    private static SecureSocketOptions Security(string text) => text switch
    {
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        // Only for a server on the same host or a private network that offers no TLS.
        "none" => SecureSocketOptions.None,
        _ => throw new StartupException($"{Settings.SmtpSecurity}: '{text}' is not one of starttls, tls, none"),
    };
}
