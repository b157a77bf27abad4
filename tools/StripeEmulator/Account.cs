using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A connected account (Express) and where it stands: whether its holder finished onboarding, whether it may take
/// charges, pay out and receive transfers, what Stripe still needs from it, and its own balance.
/// </summary>
internal sealed class Account
{
    public required string Id { get; init; }
    public required string Country { get; init; }
    public required string? Email { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required bool TransfersRequested { get; init; }
    public bool DetailsSubmitted { get; set; }
    public bool ChargesEnabled { get; set; }
    public bool PayoutsEnabled { get; set; }
    public CapabilityStatus TransfersStatus { get; set; } = CapabilityStatus.Inactive;
    public AccountRequirements Requirements { get; set; } = AccountRequirements.Onboarding;

    /// <summary>What transfers brought in, less what reversals took back and payouts sent to the bank.</summary>
    public Balance Balance { get; } = new();

    public bool CanReceiveTransfers => TransfersRequested && TransfersStatus == CapabilityStatus.Active;

    /// <summary>Onboarding finished, or the account re-enabled: it owes nothing and may do everything.</summary>
    public void Enable()
    {
        DetailsSubmitted = true;
        ChargesEnabled = PayoutsEnabled = true;
        TransfersStatus = CapabilityStatus.Active;
        Requirements = AccountRequirements.None;
    }

    /// <summary>Stripe disabled the account: no charges, no payouts, no transfers in, for the reason given.</summary>
    public void Disable(AccountRequirements requirements)
    {
        ChargesEnabled = PayoutsEnabled = false;
        TransfersStatus = CapabilityStatus.Inactive;
        Requirements = requirements;
    }

    public void Apply(AccountChange change)
    {
        var r = Requirements;
        var reason = change.DisabledReason switch { null => r.DisabledReason, "" => null, var given => given };
        var deadline = change.CurrentDeadline switch { null => r.CurrentDeadline, 0 => null, var given => given };
        Requirements = new AccountRequirements(change.CurrentlyDue ?? r.CurrentlyDue,
            change.EventuallyDue ?? r.EventuallyDue, change.PastDue ?? r.PastDue,
            change.PendingVerification ?? r.PendingVerification, reason, deadline);
        ChargesEnabled = change.ChargesEnabled ?? ChargesEnabled;
        PayoutsEnabled = change.PayoutsEnabled ?? PayoutsEnabled;
        DetailsSubmitted = change.DetailsSubmitted ?? DetailsSubmitted;
        TransfersStatus = change.TransfersCapability ?? TransfersStatus;
    }

    public JsonObject ToJson()
    {
        var capabilities = new JsonObject();
        if (TransfersRequested) capabilities["transfers"] = TransfersStatus.ToString().ToLowerInvariant();
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "account",
            ["business_type"] = null,
            ["capabilities"] = capabilities,
            ["charges_enabled"] = ChargesEnabled,
            ["country"] = Country,
            ["created"] = Created,
            ["details_submitted"] = DetailsSubmitted,
            ["email"] = Email,
            ["metadata"] = Json.Metadata(Metadata),
            ["payouts_enabled"] = PayoutsEnabled,
            ["requirements"] = Requirements.ToJson(),
            ["type"] = "express",
        };
    }
}
