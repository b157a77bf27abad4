using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

internal sealed class Account
{
    // What Stripe lists for a new Express account before its holder finishes onboarding.
    private static readonly string[] OnboardingDue =
        ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];

    public required string Id { get; init; }
    public required string Country { get; init; }
    public required string? Email { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required bool TransfersRequested { get; init; }
    public bool Onboarded { get; set; }
    public Balance Balance { get; } = new();

    public bool CanReceiveTransfers => TransfersRequested && Onboarded;

    public JsonObject ToJson()
    {
        var capabilities = new JsonObject();
        if (TransfersRequested) capabilities["transfers"] = Onboarded ? "active" : "inactive";
        string[] due = Onboarded ? [] : OnboardingDue;
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "account",
            ["business_type"] = null,
            ["capabilities"] = capabilities,
            ["charges_enabled"] = Onboarded,
            ["country"] = Country,
            ["created"] = Created,
            ["details_submitted"] = Onboarded,
            ["email"] = Email,
            ["metadata"] = Json.Metadata(Metadata),
            ["payouts_enabled"] = Onboarded,
            ["requirements"] = new JsonObject
            {
                ["currently_due"] = Json.Strings(due),
                ["eventually_due"] = Json.Strings(due),
                ["past_due"] = Json.Strings(due),
                ["disabled_reason"] = Onboarded ? null : "requirements.past_due",
            },
            ["type"] = "express",
        };
    }
}
