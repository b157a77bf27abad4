namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// Published before onboarding links were kept off the topics: a winner needs a connected account, and this
/// link onboards them. Payout no longer publishes it (<see cref="RecipientOnboardingNeeded"/> replaced it); it is
/// read for what is already on the topic, and its link is not passed on.
/// </summary>
public sealed record RecipientOnboardingRequested(
    string PlayerId,
    string ContestId,
    string AccountId,
    string OnboardingUrl,
    DateTimeOffset ExpiresAt) : IMessage
{
    public const string MessageType = "RecipientOnboardingRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string playerId, string accountId) =>
        $"recipient:{playerId}:onboarding:{accountId}";
}
