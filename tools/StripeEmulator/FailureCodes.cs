namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Why money sent to a bank failed, as Stripe names it on a payout (and on a transfer before the 2017
/// transfer/payout split: the legacy transfer.failed), with the message Stripe gives with it.
/// </summary>
public static class FailureCodes
{
    public const string AccountClosed = "account_closed";
    public const string AccountFrozen = "account_frozen";
    public const string CouldNotProcess = "could_not_process";
    public const string InsufficientFunds = "insufficient_funds";
    public const string NoAccount = "no_account";

    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [AccountClosed] = "The bank account has been closed.",
        [AccountFrozen] = "The bank account has been frozen.",
        ["bank_account_restricted"] = "The bank account has restrictions on either the type or number of payouts.",
        ["bank_ownership_changed"] = "The destination bank account is no longer valid because its branch has " +
            "changed ownership.",
        [CouldNotProcess] = "The bank could not process this payout.",
        ["debit_not_authorized"] = "Debit transactions are not approved on the bank account.",
        ["declined"] = "The bank has declined this transfer.",
        [InsufficientFunds] = "Your Stripe account has insufficient funds to cover the payout.",
        ["invalid_account_number"] = "The routing number seems correct, but the account number is invalid.",
        ["invalid_currency"] = "The bank was unable to process this payout because of its currency.",
        [NoAccount] = "The bank account details on file are probably incorrect. No bank account could be located " +
            "with those details.",
    };

    public static IEnumerable<string> All => Messages.Keys;

    /// <summary>Stripe's message for <paramref name="code"/>; refuses a code Stripe does not use.</summary>
    public static string Message(string code) =>
        Messages.TryGetValue(code, out var message) ? message
            : throw new ArgumentException($"Stripe has no failure code {code}: one of {string.Join(", ", All)}",
                nameof(code));
}
