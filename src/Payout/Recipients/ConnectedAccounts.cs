using ContestPipeline.Contracts.Payouts;
using Account = Stripe.Account;

namespace ContestPipeline.Payout.Recipients;

/// <summary>What a connected account can do, as Payout needs it.</summary>
public static class ConnectedAccounts
{
    /// <summary>An account can receive prize transfers once its transfers capability is active.</summary>
    public static bool CanReceive(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Capabilities?.Transfers == "active";
    }

    /// <summary>
    /// Where the account stands (<see cref="RecipientAccountStates"/>), from its transfers capability, its
    /// requirements and whether its holder finished onboarding; the reason is Stripe's disabled reason.
    /// </summary>
    public static (string State, string? Reason, IReadOnlyList<string> CurrentlyDue) StateOf(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var reason = account.Requirements?.DisabledReason;
        IReadOnlyList<string> due = [.. (account.Requirements?.CurrentlyDue ?? [])
            .Concat(account.Requirements?.PastDue ?? []).Distinct().Order(StringComparer.Ordinal)];
        var state = reason switch
        {
            _ when CanReceive(account) => RecipientAccountStates.CanReceive,
            { } r when r.StartsWith("rejected.", StringComparison.Ordinal) => RecipientAccountStates.Rejected,
            "under_review" or "requirements.pending_verification" => RecipientAccountStates.UnderReview,
            _ when !account.DetailsSubmitted => RecipientAccountStates.Onboarding,
            _ when due.Count > 0 => RecipientAccountStates.NeedsInformation,
            _ => RecipientAccountStates.Pending,
        };
        return (state, reason, due);
    }

    /// <summary>The account as Payout keeps it for its player.</summary>
    public static RecipientView Of(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new RecipientView(account.Id, CanReceive(account),
            new DateTimeOffset(DateTime.SpecifyKind(account.Created, DateTimeKind.Utc)));
    }
}
