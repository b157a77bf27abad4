namespace ContestPipeline.Contracts.Payouts;

/// <summary>Where a winner's connected account stands, as Payout reads it from Stripe.</summary>
public static class RecipientAccountStates
{
    /// <summary>Stripe refused to create the account (Connect not enabled, the country not supported, ...).</summary>
    public const string Refused = "refused";
    /// <summary>Made, and its holder has not finished Stripe's onboarding yet.</summary>
    public const string Onboarding = "onboarding";
    /// <summary>Onboarded, and Stripe needs more before it can receive (requirements currently due).</summary>
    public const string NeedsInformation = "needs_information";
    /// <summary>Stripe is reviewing or verifying it; nothing for its holder to do.</summary>
    public const string UnderReview = "under_review";
    /// <summary>Stripe rejected it (fraud, terms of service, listed, other): it will never receive.</summary>
    public const string Rejected = "rejected";
    /// <summary>Its transfers capability is active: prizes go.</summary>
    public const string CanReceive = "can_receive";
    /// <summary>None of the above yet (a capability Stripe has not activated, with nothing due).</summary>
    public const string Pending = "pending";

    /// <summary>The states a winner and the operators are told about: each keeps a prize from being paid.</summary>
    public static IReadOnlySet<string> Blocking { get; } =
        new HashSet<string>(StringComparer.Ordinal) { Refused, NeedsInformation, UnderReview, Rejected };
}
