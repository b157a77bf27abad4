using ContestPipeline.Contracts.Alerts;
using MimeKit;

namespace ContestPipeline.Notifier.Channels;

/// <summary>
/// An operator's address and the least severe notification they are sent, from an entry of
/// <c>CONTESTPIPELINE_NOTIFY_OPERATORS_EMAIL</c>: <c>ann@example.com</c> (warnings and critical ones) or
/// <c>ann@example.com:critical</c> (critical ones only). Info notifications are not emailed.
/// </summary>
public sealed record OperatorAddress(string Address, string Least)
{
    /// <summary>What an address without a level is sent: what waits for an operator (warning) and up.</summary>
    public const string DefaultLeast = AlertSeverities.Warning;

    /// <summary>The entry as written, or the reason it cannot be read.</summary>
    public static OperatorAddress Parse(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var colon = entry.LastIndexOf(':');
        var (address, least) = colon < 0 ? (entry.Trim(), DefaultLeast)
            : (entry[..colon].Trim(), entry[(colon + 1)..].Trim().ToLowerInvariant());
        if (!MailboxAddress.TryParse(address, out _) || !address.Contains('@', StringComparison.Ordinal))
            throw new FormatException($"'{address}' is not an email address");
        if (least is not (AlertSeverities.Warning or AlertSeverities.Critical))
            throw new FormatException($"'{entry}': the level after ':' is warning or critical, not '{least}'");
        return new OperatorAddress(address, least);
    }

    /// <summary>Whether a notification of <paramref name="severity"/> is sent to this operator.</summary>
    public bool Takes(string severity) => Rank(severity) >= Rank(Least);

    private static int Rank(string severity) => severity switch
    {
        AlertSeverities.Critical => 2,
        AlertSeverities.Warning => 1,
        _ => 0,
    };
}
