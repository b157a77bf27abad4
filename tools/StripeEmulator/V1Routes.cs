namespace ContestPipeline.StripeEmulation;

/// <summary>The /v1 endpoints the emulator answers, each with the resource that answers it.</summary>
internal static class V1Routes
{
    public static IReadOnlyList<V1Route> All(EmulatorState state) =>
    [
        new("GET", "/v1/payment_intents/{id}", (id, call) => state.PaymentIntents.Get(id!, call)),
        new("POST", "/v1/refunds", (_, call) => state.Refunds.Create(call)),
        new("GET", "/v1/refunds/{id}", (id, call) => state.Refunds.Get(id!, call)),
        new("POST", "/v1/accounts", (_, call) => state.Accounts.Create(call)),
        new("GET", "/v1/accounts/{id}", (id, call) => state.Accounts.Get(id!, call)),
        new("POST", "/v1/account_links", (_, call) => state.Accounts.CreateLink(call)),
        new("POST", "/v1/transfers", (_, call) => state.Transfers.Create(call)),
        new("GET", "/v1/transfers", (_, call) => state.Transfers.List(call)),
        new("GET", "/v1/transfers/{id}", (id, call) => state.Transfers.Get(id!, call)),
        new("POST", "/v1/transfers/{id}/reversals", (id, call) => state.Transfers.Reverse(id!, call)),
        new("GET", "/v1/disputes/{id}", (id, call) => state.Disputes.Get(id!, call)),
        new("GET", "/v1/balance", (_, call) => state.Balances.Get(call)),
        new("GET", "/v1/events", (_, call) => state.Events.List(call)),
    ];
}
