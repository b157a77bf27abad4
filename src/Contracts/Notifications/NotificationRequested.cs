namespace ContestPipeline.Contracts.Notifications;

/// <summary>
/// A message for a person (topic <c>notifications</c>, key: <see cref="Recipient"/>), for an
/// email/SMS/pager sender to deliver: operators are paged for critical alerts; players are told
/// about their entries (accepted, rejected, refunded), prizes (won) and payouts (sent, held,
/// failed, verification needed). Published by the operations read model; the id is derived
/// from the fact it tells of, so a replay asks for the same notification again, never a second one.
/// </summary>
public sealed record NotificationRequested(
    string NotificationId,
    string Audience,
    string Recipient,
    string Kind,
    string Severity,
    string Subject,
    string Text,
    string AboutMessageId,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "NotificationRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const string Operators = "operators";
    public const string Player = "player";
    public static string MessageIdFor(string kind, string aboutMessageId) => $"notify:{kind}:{aboutMessageId}";
}
