using System.Runtime.CompilerServices;

namespace ContestPipeline.Stripe;

/// <summary>
/// The Stripe calls the pipeline makes, one method per endpoint, shaped so that an adapter
/// over Stripe.net could stand in for <see cref="StripeClient"/>. Every call that changes
/// anything takes an idempotency key: callers derive it from the fact being acted on (the
/// payout id, the refund id), so a retry, a crash-restart or a replayed message re-sends
/// the same key and Stripe applies the action once. Failures throw <see cref="StripeException"/>.
/// </summary>
public interface IStripeClient
{
    /// <summary>GET /v1/payment_intents/{id}?expand[]=latest_charge: the intent and the charge that collected it (refunded? disputed?).</summary>
    Task<StripePaymentIntent> GetPaymentIntentAsync(string id, CancellationToken ct = default);

    /// <summary>POST /v1/refunds</summary>
    Task<StripeRefund> CreateRefundAsync(RefundCreate refund, string idempotencyKey, CancellationToken ct = default);

    /// <summary>GET /v1/refunds/{id}</summary>
    Task<StripeRefund> GetRefundAsync(string id, CancellationToken ct = default);

    /// <summary>POST /v1/accounts (type=express, transfers capability requested)</summary>
    Task<StripeAccount> CreateAccountAsync(AccountCreate account, string idempotencyKey, CancellationToken ct = default);

    /// <summary>GET /v1/accounts/{id}</summary>
    Task<StripeAccount> GetAccountAsync(string id, CancellationToken ct = default);

    /// <summary>POST /v1/account_links (type=account_onboarding)</summary>
    Task<StripeAccountLink> CreateAccountLinkAsync(AccountLinkCreate link, string idempotencyKey, CancellationToken ct = default);

    /// <summary>POST /v1/transfers</summary>
    Task<StripeTransfer> CreateTransferAsync(TransferCreate transfer, string idempotencyKey, CancellationToken ct = default);

    /// <summary>GET /v1/transfers/{id}</summary>
    Task<StripeTransfer> GetTransferAsync(string id, CancellationToken ct = default);

    /// <summary>GET /v1/transfers?transfer_group=...: one page, newest first; page on with the last id as <paramref name="startingAfter"/>.</summary>
    Task<StripeList<StripeTransfer>> ListTransfersAsync(string transferGroup, string? startingAfter = null,
        int limit = StripeClient.ListLimitMax, CancellationToken ct = default);

    /// <summary>POST /v1/transfers/{id}/reversals</summary>
    Task<StripeTransferReversal> CreateTransferReversalAsync(string transferId, TransferReversalCreate reversal,
        string idempotencyKey, CancellationToken ct = default);

    /// <summary>GET /v1/balance</summary>
    Task<StripeBalance> GetBalanceAsync(CancellationToken ct = default);
}

public static class StripeClientExtensions
{
    /// <summary>Most pages one listing follows; a transfer group is one contest's payouts, far fewer.</summary>
    public const int ListPagesMax = 1_000;

    /// <summary>
    /// Every transfer of a transfer group, newest first, page by page. This is how a payout
    /// whose idempotency key Stripe may have forgotten (older than 24 hours) is looked up
    /// before anything is sent again.
    /// </summary>
    public static async IAsyncEnumerable<StripeTransfer> ListAllTransfersAsync(this IStripeClient stripe,
        string transferGroup, int pageSize = StripeClient.ListLimitMax, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? after = null;
        for (var page = 0; page < ListPagesMax; page++)
        {
            var list = await stripe.ListTransfersAsync(transferGroup, after, pageSize, ct);
            foreach (var transfer in list.Data) yield return transfer;
            if (!list.HasMore || list.Data.Count == 0) yield break;
            after = list.Data[^1].Id;
        }
        throw new InvalidOperationException($"transfer group {transferGroup} has more than {ListPagesMax} pages of transfers");
    }
}
