using ContestPipeline.Stripe;
using Stripe;

namespace ContestPipeline.Tests.Stripe;

// The calls tests make to the Stripe-compatible server, through Stripe.net's services under the
// pipeline's StripeApi (its retry policy, rate budget and failure classification), each from a
// small record so a test can vary one parameter with `with`.

public sealed record TransferCreate(long Amount, string Currency, string Destination, string? TransferGroup = null,
    string? Description = null, IReadOnlyDictionary<string, string>? Metadata = null);

public sealed record RefundCreate(string PaymentIntent, long? Amount = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

public sealed record AccountCreate(string Country, string? Email = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

public sealed record AccountLinkCreate(string Account, string RefreshUrl, string ReturnUrl);

public sealed record TransferReversalCreate(long? Amount = null, string? Description = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

public static class StripeCalls
{
    public static Task<global::Stripe.Transfer> CreateTransferAsync(this StripeApi stripe,
        TransferCreate t, string key) =>
        stripe.WriteAsync("POST /v1/transfers", key, (s, o, ct) => s.V1.Transfers.CreateAsync(new TransferCreateOptions
        {
            Amount = t.Amount, Currency = t.Currency.ToLowerInvariant(), Destination = t.Destination,
            TransferGroup = t.TransferGroup,
            Description = t.Description, Metadata = Copy(t.Metadata),
        }, o, ct));

    public static Task<global::Stripe.Transfer> GetTransferAsync(this StripeApi stripe, string id) =>
        stripe.ReadAsync("GET /v1/transfers/{id}", (s, o, ct) => s.V1.Transfers.GetAsync(id, null, o, ct));

    public static Task<StripeList<global::Stripe.Transfer>> ListTransfersAsync(this StripeApi stripe,
        string group, int limit) =>
        stripe.ReadAsync("GET /v1/transfers", (s, o, ct) =>
            s.V1.Transfers.ListAsync(new TransferListOptions { TransferGroup = group, Limit = limit }, o, ct));

    public static Task<TransferReversal> CreateTransferReversalAsync(this StripeApi stripe, string transferId,
        TransferReversalCreate r,
        string key) =>
        stripe.WriteAsync("POST /v1/transfers/{id}/reversals", key,
            (s, o, ct) => s.V1.Transfers.Reversals.CreateAsync(transferId,
                new TransferReversalCreateOptions
                    { Amount = r.Amount, Description = r.Description, Metadata = Copy(r.Metadata) }, o, ct));

    public static Task<global::Stripe.Refund> CreateRefundAsync(this StripeApi stripe, RefundCreate r, string key) =>
        stripe.WriteAsync("POST /v1/refunds", key, (s, o, ct) => s.V1.Refunds.CreateAsync(
            new RefundCreateOptions
                { PaymentIntent = r.PaymentIntent, Amount = r.Amount, Metadata = Copy(r.Metadata) }, o, ct));

    public static Task<global::Stripe.Refund> GetRefundAsync(this StripeApi stripe, string id) =>
        stripe.ReadAsync("GET /v1/refunds/{id}", (s, o, ct) => s.V1.Refunds.GetAsync(id, null, o, ct));

    public static Task<global::Stripe.Account> CreateAccountAsync(this StripeApi stripe, AccountCreate a, string key) =>
        stripe.WriteAsync("POST /v1/accounts", key, (s, o, ct) => s.V1.Accounts.CreateAsync(new AccountCreateOptions
        {
            Type = "express", Country = a.Country, Email = a.Email,
            Capabilities = new AccountCapabilitiesOptions
                { Transfers = new AccountCapabilitiesTransfersOptions { Requested = true } },
            Metadata = Copy(a.Metadata),
        }, o, ct));

    public static Task<global::Stripe.Account> GetAccountAsync(this StripeApi stripe, string id) =>
        stripe.ReadAsync("GET /v1/accounts/{id}", (s, o, ct) => s.V1.Accounts.GetAsync(id, null, o, ct));

    public static Task<AccountLink> CreateAccountLinkAsync(this StripeApi stripe, AccountLinkCreate l, string key) =>
        stripe.WriteAsync("POST /v1/account_links", key,
            (s, o, ct) => s.V1.AccountLinks.CreateAsync(new AccountLinkCreateOptions
        {
            Account = l.Account, RefreshUrl = l.RefreshUrl, ReturnUrl = l.ReturnUrl, Type = "account_onboarding",
        }, o, ct));

    public static Task<PaymentIntent> GetPaymentIntentAsync(this StripeApi stripe, string id) =>
        stripe.ReadAsync("GET /v1/payment_intents/{id}", (s, o, ct) =>
            s.V1.PaymentIntents.GetAsync(id, new PaymentIntentGetOptions { Expand = ["latest_charge"] }, o, ct));

    public static Task<Balance> GetBalanceAsync(this StripeApi stripe) =>
        stripe.ReadAsync("GET /v1/balance", (s, o, ct) => s.V1.Balance.GetAsync(o, ct));

    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
