namespace ContestPipeline.StripeEmulation;

/// <summary>Why Stripe disables a connected account (<c>requirements.disabled_reason</c>), in its words.</summary>
public static class AccountDisabledReasons
{
    public const string RequirementsPastDue = "requirements.past_due";
    public const string RequirementsPendingVerification = "requirements.pending_verification";
    public const string UnderReview = "under_review";
    public const string Listed = "listed";
    public const string PlatformPaused = "platform_paused";
    public const string Other = "other";
    public const string RejectedFraud = "rejected.fraud";
    public const string RejectedTermsOfService = "rejected.terms_of_service";
    public const string RejectedListed = "rejected.listed";
    public const string RejectedOther = "rejected.other";

    private const string RejectedPrefix = "rejected.";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        RequirementsPastDue, RequirementsPendingVerification, UnderReview, Listed, PlatformPaused, Other,
        RejectedFraud, RejectedTermsOfService, RejectedListed, RejectedOther, "rejected.incomplete_verification",
        "rejected.platform_fraud", "rejected.platform_other", "rejected.platform_terms_of_service",
        "action_required.requested_capabilities",
    };

    /// <summary>An account rejected for <paramref name="why"/>: fraud, terms_of_service, listed or other.</summary>
    public static string Rejected(string why) => RejectedPrefix + why;

    public static bool IsRejection(string? reason) =>
        reason is not null && reason.StartsWith(RejectedPrefix, StringComparison.Ordinal);
}
