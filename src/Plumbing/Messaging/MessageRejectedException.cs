namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Bad input: the message is dead-lettered with <see cref="Reason"/>, without retries, and an
/// alert of <see cref="Severity"/> is raised (a warning; critical for input that tried to move
/// money it must not).
/// </summary>
public sealed class MessageRejectedException(
    string reason, string severity = ContestPipeline.Contracts.Alerts.AlertSeverities.Warning) : Exception(reason)
{
    public string Reason => Message;
    public string Severity { get; } = severity;
}
