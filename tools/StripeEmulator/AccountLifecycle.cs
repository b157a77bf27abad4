using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Where a connected account stands, moved as Stripe moves it: onboarded (or re-enabled), restricted for what is
/// past due, under review, rejected. Every change that shows in the account is told with account.updated on that
/// account, with the fields' old values, as Stripe tells the platform's Connect endpoint.
/// </summary>
internal sealed class AccountLifecycle(EmulatorCore core, Accounts accounts)
{
    // What Stripe asks of an individual most often once an account is restricted: an identity document.
    private static readonly string[] RestrictedDueDefault = ["individual.verification.document"];
    private static readonly HashSet<string> ApiRejectReasons = ["fraud", "terms_of_service", "other"];

    /// <summary>Onboarding finished, or the account re-enabled: it owes nothing and may do everything.</summary>
    public void Enable(string accountId) => Change(accountId, a => a.Enable());

    /// <summary>Requirements past due: the account is disabled until they come (requirements.past_due).</summary>
    public void Restrict(string accountId, IReadOnlyList<string>? pastDue)
    {
        IReadOnlyList<string> due = pastDue is { Count: > 0 } ? [.. pastDue] : RestrictedDueDefault;
        Change(accountId, a => a.Disable(new AccountRequirements(due, due, due, [],
            AccountDisabledReasons.RequirementsPastDue, null)));
    }

    /// <summary>Stripe is reviewing the account: disabled meanwhile (under_review).</summary>
    public void Review(string accountId) =>
        Change(accountId, a => a.Disable(a.Requirements with { DisabledReason = AccountDisabledReasons.UnderReview }));

    /// <summary>Rejected (fraud, terms_of_service, listed or other): disabled, with nothing it could provide.</summary>
    public void Reject(string accountId, string reason)
    {
        if (reason is not ("fraud" or "terms_of_service" or "listed" or "other"))
            throw new ArgumentException("an account is rejected for fraud, terms_of_service, listed or other",
                nameof(reason));
        Change(accountId, a => a.Disable(Rejected(reason)));
    }

    /// <summary>Sets what test control gives of the account's standing (<see cref="AccountChange"/>).</summary>
    public void Update(string accountId, AccountChange change)
    {
        if (change.DisabledReason is { Length: > 0 } reason && !AccountDisabledReasons.All.Contains(reason))
            throw new ArgumentException($"Stripe disables no account for {reason}", nameof(change));
        Change(accountId, a => a.Apply(change));
    }

    /// <summary>POST /v1/accounts/{id}/reject: the platform rejects an account it finds suspicious.</summary>
    public JsonObject RejectByPlatform(string accountId, ApiCall call)
    {
        var p = call.Params.Expect("reason");
        var reason = p.RequiredText("reason");
        if (!ApiRejectReasons.Contains(reason))
            throw ApiError.Parameter("parameter_invalid_string", "reason",
                "Invalid reason: must be one of fraud, terms_of_service, or other.");
        var account = accounts.Find(accountId, param: "account");
        Changed(account, a => a.Disable(Rejected(reason)), call);
        return account.ToJson();
    }

    private static AccountRequirements Rejected(string reason) =>
        AccountRequirements.None with { DisabledReason = AccountDisabledReasons.Rejected(reason) };

    private void Change(string accountId, Action<Account> change)
    {
        lock (core.Gate) Changed(accounts.Control(accountId), change, null);
    }

    private void Changed(Account account, Action<Account> change, ApiCall? call)
    {
        var before = account.ToJson();
        change(account);
        core.Events.EmitIfChanged("account.updated", before, account.ToJson(), account.Id, call);
    }
}
