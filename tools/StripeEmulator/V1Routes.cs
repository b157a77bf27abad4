namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The /v1 endpoints the emulator answers, each with the permission a restricted key needs for it (as Stripe's API
/// permissions reference lists them) and the resource that answers it.
/// </summary>
internal static class V1Routes
{
    public static IReadOnlyList<V1Route> All(EmulatorState state) =>
        [.. Payments(state), .. Accounts(state), .. Transfers(state), .. Account(state)];

    private static IEnumerable<V1Route> Payments(EmulatorState state) =>
    [
        new("GET", "/v1/payment_intents", StripePermissions.PaymentIntentRead,
            (_, call) => state.PaymentIntents.List(call)),
        new("GET", "/v1/payment_intents/{id}", StripePermissions.PaymentIntentRead,
            (id, call) => state.PaymentIntents.Get(id!, call)),
        new("GET", "/v1/charges", StripePermissions.ChargeRead, (_, call) => state.PaymentIntents.ListCharges(call)),
        new("GET", "/v1/charges/{id}", StripePermissions.ChargeRead,
            (id, call) => state.PaymentIntents.GetCharge(id!, call)),
        new("POST", "/v1/refunds", StripePermissions.RefundWrite, (_, call) => state.Refunds.Create(call)),
        new("GET", "/v1/refunds", StripePermissions.RefundRead, (_, call) => state.Refunds.List(call)),
        new("GET", "/v1/refunds/{id}", StripePermissions.RefundRead, (id, call) => state.Refunds.Get(id!, call)),
        new("GET", "/v1/disputes", StripePermissions.DisputeRead, (_, call) => state.Disputes.List(call)),
        new("GET", "/v1/disputes/{id}", StripePermissions.DisputeRead, (id, call) => state.Disputes.Get(id!, call)),
    ];

    private static IEnumerable<V1Route> Accounts(EmulatorState state) =>
    [
        new("POST", "/v1/accounts", StripePermissions.ConnectedAccountWrite, (_, call) => state.Accounts.Create(call)),
        new("GET", "/v1/accounts", StripePermissions.ConnectedAccountRead, (_, call) => state.Accounts.List(call)),
        new("GET", "/v1/accounts/{id}", StripePermissions.ConnectedAccountRead,
            (id, call) => state.Accounts.Get(id!, call)),
        new("POST", "/v1/accounts/{id}/reject", StripePermissions.ConnectedAccountWrite,
            (id, call) => state.AccountLifecycle.RejectByPlatform(id!, call)),
        new("POST", "/v1/accounts/{id}/login_links", StripePermissions.LoginLinkWrite,
            (id, call) => state.AccountLinks.CreateLoginLink(id!, call)),
        new("POST", "/v1/account_links", StripePermissions.AccountLinkWrite,
            (_, call) => state.AccountLinks.CreateAccountLink(call)),
    ];

    private static IEnumerable<V1Route> Transfers(EmulatorState state) =>
    [
        new("POST", "/v1/transfers", StripePermissions.TransferWrite, (_, call) => state.Transfers.Create(call)),
        new("GET", "/v1/transfers", StripePermissions.TransferRead, (_, call) => state.Transfers.List(call)),
        new("GET", "/v1/transfers/{id}", StripePermissions.TransferRead, (id, call) => state.Transfers.Get(id!, call)),
        new("POST", "/v1/transfers/{id}/reversals", StripePermissions.TransferWrite,
            (id, call) => state.Transfers.Reverse(id!, call)),
        new("GET", "/v1/transfers/{id}/reversals", StripePermissions.TransferRead,
            (id, call) => state.Transfers.ListReversals(id!, call)),
    ];

    /// <summary>
    /// An account's own, the platform's or (with Stripe-Account) a connected one's: balance, payouts, events.
    /// </summary>
    private static IEnumerable<V1Route> Account(EmulatorState state) =>
    [
        new("GET", "/v1/balance", StripePermissions.BalanceRead, (_, call) => state.Balances.Get(call))
            { OnConnectedAccount = true },
        new("GET", "/v1/payouts", StripePermissions.PayoutRead, (_, call) => state.Payouts.List(call))
            { OnConnectedAccount = true },
        new("GET", "/v1/payouts/{id}", StripePermissions.PayoutRead, (id, call) => state.Payouts.Get(id!, call))
            { OnConnectedAccount = true },
        new("GET", "/v1/events", StripePermissions.EventRead, (_, call) => state.Events.List(call))
            { OnConnectedAccount = true },
        new("GET", "/v1/events/{id}", StripePermissions.EventRead, (id, call) => state.Events.Get(id!, call))
            { OnConnectedAccount = true },
    ];
}
