using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// What Stripe still needs from a connected account (its <c>requirements</c>): what is due now, eventually and
/// already past due, what it is verifying, by when, and why the account is disabled, if it is.
/// </summary>
internal sealed record AccountRequirements(IReadOnlyList<string> CurrentlyDue, IReadOnlyList<string> EventuallyDue,
    IReadOnlyList<string> PastDue, IReadOnlyList<string> PendingVerification, string? DisabledReason,
    long? CurrentDeadline)
{
    // What Stripe lists for a new Express account before its holder finishes onboarding.
    private static readonly string[] OnboardingDue =
        ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];

    /// <summary>A new account's: everything for onboarding is due, and it is disabled until it comes.</summary>
    public static AccountRequirements Onboarding { get; } =
        new(OnboardingDue, OnboardingDue, OnboardingDue, [], AccountDisabledReasons.RequirementsPastDue, null);

    /// <summary>An account that owes Stripe nothing.</summary>
    public static AccountRequirements None { get; } = new([], [], [], [], null, null);

    public JsonObject ToJson() => new()
    {
        ["current_deadline"] = CurrentDeadline,
        ["currently_due"] = Json.Strings(CurrentlyDue),
        ["disabled_reason"] = DisabledReason,
        ["errors"] = new JsonArray(),
        ["eventually_due"] = Json.Strings(EventuallyDue),
        ["past_due"] = Json.Strings(PastDue),
        ["pending_verification"] = Json.Strings(PendingVerification),
    };
}
