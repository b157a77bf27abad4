namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A winner needs a connected account: one was created for them. No link travels here (a Stripe account link is a
/// bearer secret that expires within minutes): the winner is sent to <see cref="OnboardingPath"/> on the
/// platform's read API, which asks Payout for a fresh link each time.
/// </summary>
public sealed record RecipientOnboardingNeeded(
    string PlayerId,
    string ContestId,
    string AccountId,
    string OnboardingPath,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "RecipientOnboardingNeeded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string playerId, string accountId) =>
        $"recipient:{playerId}:onboarding-needed:{accountId}";

    /// <summary>
    /// The read API's path that mints a fresh onboarding link for <paramref name="playerId"/> (no secret in it).
    /// </summary>
    public static string PathFor(string playerId) => $"/recipients/{Uri.EscapeDataString(playerId)}/onboarding-link";
}
