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

    /// <summary>The account as Payout keeps it for its player.</summary>
    public static RecipientView Of(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new RecipientView(account.Id, CanReceive(account),
            new DateTimeOffset(DateTime.SpecifyKind(account.Created, DateTimeKind.Utc)));
    }
}
