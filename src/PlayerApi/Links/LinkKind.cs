namespace ContestPipeline.PlayerApi.Links;

/// <summary>
/// One kind of Stripe link the platform asks Payout for through this API: where its requests are kept (a table of
/// Payout's this API may insert into and read), the answer meaning the link cannot be made for this account (409),
/// and the per-player limit and wait from <see cref="PlayerApiOptions"/>.
/// </summary>
public sealed record LinkKind(string Name, string Table, bool Expires, string Conflict, int Limit, TimeSpan Window,
    TimeSpan Wait)
{
    /// <summary>
    /// A fresh onboarding link for a winner whose account is still onboarding; 409 when it can already receive.
    /// </summary>
    public static LinkKind Onboarding(PlayerApiOptions options) =>
        new("onboarding", "payout.onboarding_link_requests", Expires: true, Conflict: "onboarded",
            options.OnboardingLinkLimit, options.OnboardingLinkWindow, options.OnboardingLinkWait);

    /// <summary>
    /// A single-use link to an onboarded winner's Express dashboard; 409 when the account has not finished
    /// onboarding (Stripe makes login links for onboarded Express accounts only).
    /// </summary>
    public static LinkKind Login(PlayerApiOptions options) =>
        new("login", "payout.login_link_requests", Expires: false, Conflict: "onboarding",
            options.LoginLinkLimit, options.LoginLinkWindow, options.LoginLinkWait);
}
