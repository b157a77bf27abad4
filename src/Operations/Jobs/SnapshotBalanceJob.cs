using Balance = Stripe.Balance;
using System.Globalization;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Operations.Domain;
using ContestPipeline.Operations.Extensions;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.ReadModel.Domain;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Operations.Jobs;

/// <summary>
/// The balance monitor: every snapshot interval, the platform's Stripe balance (read between
/// transactions, by the core's claim → call → record: <see cref="ClaimedCalls"/>) against what it
/// owes (prizes and refunds not yet paid), kept as a snapshot; crossing into warning, critical or
/// depleted raises an alert (which pages the operators when critical).
/// </summary>
public sealed class SnapshotBalanceJob(StripeApi stripe, OperationsOptions options, CrashPoints crash,
    ILogger<SnapshotBalanceJob> logger) : IJob
{
    public string Name => "snapshot-balance";
    public TimeSpan Interval => options.SnapshotInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await ClaimedCalls.RunAsync(job, new ClaimedCall<string, Balance>
        {
            What = "balance snapshot",
            // One read a round and nothing to claim: a read moves no money, so a second instance reading too is
            // harmless.
            ClaimAsync = _ => Task.FromResult<IReadOnlyList<string>>([Name]),
            IdOf = name => name,
            CallAsync = (_, token) => stripe.ReadAsync("GET /v1/balance", (s, o, t) => s.V1.Balance.GetAsync(o, t), token),
            RecordAsync = (context, _, balance) => RecordAsync(context, balance),
            Lease = options.SnapshotInterval,
            RenewAsync = (_, _, _) => Task.FromResult(0),
        }, crash, logger, ct);
        return false;
    }

    private async Task RecordAsync(HandlerContext context, Balance balance)
    {
        var code = options.Currency.ToLowerInvariant();
        var available = balance.AvailableIn(code);
        var pending = balance.PendingIn(code);
        var now = context.Clock.GetUtcNow();
        var owed = await Obligations.OwedAsync(context, options.Currency);
        var reserve = BalanceStatus.Reserve(owed);
        var status = BalanceStatus.Of(available, owed, options);
        var last = await Obligations.LastStatusAsync(context) ?? BalanceStatus.Healthy;
        await Obligations.SnapshotAsync(context, now, options.Currency, available, pending, owed, reserve, status);
        if (status == last || BalanceStatus.Rank(status) <= 0) return;
        var severity = BalanceStatus.Rank(status) >= 2 ? AlertSeverities.Critical : AlertSeverities.Warning;
        context.RaiseAlert(OperationsWorker.Name, severity, "balance_" + status, "platform balance",
            $"platform balance {status}: available {Show.Amount(available, options.Currency)} " +
            $"(pending {Show.Amount(pending, options.Currency)}) against obligations {Show.Amount(owed, options.Currency)} " +
            $"and a reserve of {Show.Amount(reserve, options.Currency)}; top up the platform's Stripe balance or hold non-urgent payouts",
            now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture));
    }
}
