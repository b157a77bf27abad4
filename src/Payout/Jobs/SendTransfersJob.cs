using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// Pays prizes: each due payout passes the gates (<see cref="PayoutGates"/>) or waits, and one
/// that may go is sent between two transactions: the claim records it submitting with its
/// idempotency key, then Stripe is called, then the result is recorded. A crash in between
/// leaves it submitting, and the next run sends it again under the same key, so Stripe
/// transfers once; an attempt first sent more than <see cref="PayoutOptions.LookupAfter"/> ago
/// is looked up on Stripe first (Stripe forgets keys after 24 hours). The claims are renewed
/// while the round's calls run (<see cref="LeaseKeeper"/>), so another instance never sends a
/// payout that is mid-call. The key changes only after a refusal with Stripe's final answer
/// (<see cref="StripeException.IsFinalRefusal"/>); a 409 (the key still in flight), a timeout,
/// a 5xx or an answer that could not be read is retried, or failed for an operator, under
/// the same key, so a release can never send a second transfer beside the first.
/// </summary>
public sealed class SendTransfersJob(IStripeClient stripe, PayoutOptions options, CrashPoints crash, ILogger<SendTransfersJob> logger) : IJob
{
    public string Name => "send-transfers";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        // The emergency stop: nothing new is sent, not even a balance read, while halted.
        if (await job.InTransactionAsync("check dispatch", DispatchStore.HaltedAsync, ct)) return false;
        var currencies = await job.InTransactionAsync("find due currencies", PayoutStore.DueCurrenciesAsync, ct);
        // The balance is read once per run, before the claim, and spent down as payouts are claimed.
        var budget = new Dictionary<string, long>(StringComparer.Ordinal);
        if (currencies.Count > 0)
        {
            StripeBalance? balance = null;
            try
            {
                balance = await stripe.GetBalanceAsync(ct);
            }
            catch (StripeException e) when (e.IsUnreadableAnswer)
            {
                // Not a reason to stop (and restart into the same answer): nothing is sent
                // while the balance cannot be read, and an operator is told.
                await job.InTransactionAsync("balance unreadable", context =>
                {
                    context.Cause = Cause.Clock(Name, "balance");
                    context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_balance_unreadable", "balance",
                        $"the platform's balance could not be read ({e.Message}); no prize is sent until it can be", e.Param ?? "$");
                    return Task.FromResult(true);
                }, ct);
            }
            foreach (var c in currencies) budget[c] = balance?.AvailableIn(c.ToLowerInvariant()) ?? 0;
        }
        var toSend = await job.InTransactionAsync("claim payouts", context => ClaimAsync(context, budget), ct);
        if (toSend.Count == 0) return false;
        await using var leases = LeaseKeeper.Start(job, toSend.Select(p => p.PayoutId), options.Lease, PayoutStore.RenewLeasesAsync, logger);
        foreach (var payout in toSend)
        {
            await SendAsync(job, payout, ct);
            leases.Done(payout.PayoutId);
        }
        return true;
    }

    private async Task<List<PayoutRow>> ClaimAsync(HandlerContext context, Dictionary<string, long> budget)
    {
        var now = context.Clock.GetUtcNow();
        var toSend = new List<PayoutRow>();
        // Checked again in the claim itself: a halt that committed since the check above stops this claim.
        if (await DispatchStore.HaltedAsync(context)) return toSend;
        foreach (var payout in await PayoutStore.DueAsync(context, options.BatchSize))
        {
            if (payout.State == PayoutStates.Submitting)
            {
                // Sent before, result unknown (a crash, or a retryable failure): send again, same key.
                toSend.Add(await PayoutStore.SaveAsync(context, payout, payout with { LeaseUntil = now + options.Lease }));
                continue;
            }
            var recipient = await PayoutStore.RecipientAsync(context, payout.PlayerId);
            var freezes = await PayoutStore.FreezesInForceAsync(context, payout.PaymentIntentId);
            var activity = await PayoutStore.ActivityAsync(context, payout, now);
            var decision = PayoutGates.Evaluate(new GateInput(payout.AmountMinor, payout.Waived, freezes, recipient, activity,
                budget.TryGetValue(payout.Currency, out var left) ? left : null), options, now);
            switch (decision)
            {
                case GateDecision.Submit submit:
                    if (budget.ContainsKey(payout.Currency)) budget[payout.Currency] = left - payout.AmountMinor;
                    var key = payout.AttemptKey ?? AttemptKey(payout.PayoutId, payout.KeyGeneration);
                    toSend.Add(await PayoutStore.SaveAsync(context, payout, payout with
                    {
                        State = PayoutStates.Submitting, HoldKind = null, Reason = $"sending transfer to {submit.AccountId}",
                        AccountId = submit.AccountId, AttemptKey = key, SubmittedAt = payout.SubmittedAt ?? now, LeaseUntil = now + options.Lease,
                    }));
                    break;
                case GateDecision.AwaitAccount wait:
                    // account.updated resumes it at once; the recheck covers an event that raced this claim.
                    await PayoutStore.SaveAsync(context, payout, payout with
                    {
                        State = PayoutStates.AwaitingAccount, HoldKind = null, Reason = wait.Reason, NextAttemptAt = now + options.AccountRecheck,
                    });
                    break;
                case GateDecision.Hold hold:
                    var first = payout.State != PayoutStates.Held || payout.HoldKind != hold.Kind;
                    var held = await PayoutStore.SaveAsync(context, payout, payout with
                    {
                        State = PayoutStates.Held, HoldKind = hold.Kind, Reason = hold.Reason, NextAttemptAt = hold.ResumeAt ?? now,
                    });
                    if (first) RaiseHoldAlert(context, held, hold);
                    break;
            }
        }
        return toSend;
    }

    private static void RaiseHoldAlert(HandlerContext context, PayoutRow payout, GateDecision.Hold hold)
    {
        var (severity, action) = hold.Kind switch
        {
            HoldKinds.Balance => (AlertSeverities.Critical, "top up the platform balance; it resumes by itself"),
            HoldKinds.Review or HoldKinds.Limit => (AlertSeverities.Warning, $"release or reject it: cpctl payouts release|reject {payout.PayoutId}"),
            HoldKinds.Frozen => (AlertSeverities.Warning, "it resumes when the dispute is won; otherwise release or reject it"),
            _ => (AlertSeverities.Info, "it resumes by itself"),
        };
        context.Cause = payout.Cause;
        context.RaiseAlert(PayoutWorker.Name, severity, "payout_held_" + hold.Kind, payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} held: {hold.Reason}; {action}",
            $"{payout.PayoutId}:{payout.Version}");
        context.Cause = null;
    }

    private async Task SendAsync(JobContext job, PayoutRow payout, CancellationToken ct)
    {
        crash.Reach(CrashPoints.PayoutAfterSubmitting);
        StripeTransfer transfer;
        try
        {
            if (payout.SubmittedAt is { } sent && job.Clock.GetUtcNow() - sent >= options.LookupAfter)
            {
                // Stripe may have forgotten this key: find the transfer before sending anything.
                var existing = await FindTransferAsync(payout, ct);
                if (existing is not null)
                {
                    await job.InTransactionAsync("record transfer found", context => PayoutStore.MarkPaidAsync(context, payout.PayoutId, existing, "found on Stripe"), ct);
                    return;
                }
                // None exists: a fresh send is the only one. Its key's 24 hours start now.
                payout = await job.InTransactionAsync("restart attempt", async context =>
                {
                    var row = await PayoutStore.FindAsync(context, payout.PayoutId)
                        ?? throw new InvariantViolatedException($"payout {payout.PayoutId} disappeared while it was being sent");
                    return await PayoutStore.SaveAsync(context, row, row with { SubmittedAt = context.Clock.GetUtcNow() });
                }, ct);
            }
            transfer = await stripe.CreateTransferAsync(new TransferCreate(payout.AmountMinor, payout.Currency.ToLowerInvariant(), payout.AccountId!,
                payout.ContestId, $"Prize {payout.PayoutId} for entry {payout.EntryId}", new Dictionary<string, string>
                {
                    ["payout_id"] = payout.PayoutId, ["contest_id"] = payout.ContestId, ["entry_id"] = payout.EntryId, ["player_id"] = payout.PlayerId,
                }), payout.AttemptKey!, ct);
            crash.Reach(CrashPoints.PayoutAfterStripeCall);
        }
        catch (StripeException e)
        {
            await job.InTransactionAsync("record transfer failure", context => RecordFailureAsync(context, payout, e), ct);
            return;
        }
        await job.InTransactionAsync("record transfer", context => PayoutStore.MarkPaidAsync(context, payout.PayoutId, transfer, "transfer created"), ct);
    }

    private async Task<StripeTransfer?> FindTransferAsync(PayoutRow payout, CancellationToken ct)
    {
        await foreach (var t in stripe.ListAllTransfersAsync(payout.ContestId, ct: ct))
            if (t.Metadata.TryGetValue("payout_id", out var id) && id == payout.PayoutId)
                return t;
        return null;
    }

    private async Task<bool> RecordFailureAsync(HandlerContext context, PayoutRow sent, StripeException e)
    {
        var payout = await PayoutStore.FindAsync(context, sent.PayoutId);
        // Resolved meanwhile (a transfer event's read recorded it): nothing to do.
        if (payout is null || payout.State != PayoutStates.Submitting || payout.AttemptKey != sent.AttemptKey) return false;
        var now = context.Clock.GetUtcNow();
        // A refusal with Stripe's final answer in hand means nothing was made under this key,
        // and Stripe will replay the refusal for it: the next attempt needs a new one.
        var nextKey = payout with { AttemptKey = null, SubmittedAt = null, KeyGeneration = payout.KeyGeneration + 1, LeaseUntil = null, Rounds = 0 };
        if (e.IsFinalRefusal && e.Code == StripeErrorCodes.BalanceInsufficient)
        {
            var held = await PayoutStore.SaveAsync(context, payout, nextKey with
            {
                State = PayoutStates.Held, HoldKind = HoldKinds.Balance, Reason = "Stripe: " + e.Message, NextAttemptAt = now + options.BalanceRecheck,
            });
            RaiseHoldAlert(context, held, new GateDecision.Hold(HoldKinds.Balance, "Stripe refused it for insufficient balance", null));
            return true;
        }
        if (e.IsFinalRefusal && e.Code == StripeErrorCodes.InsufficientCapabilitiesForTransfer)
        {
            await PayoutStore.MarkCannotReceiveAsync(context, payout.PlayerId);
            await PayoutStore.SaveAsync(context, payout, nextKey with
            {
                State = PayoutStates.AwaitingAccount, Reason = $"Stripe: account {payout.AccountId} cannot receive transfers: {e.Message}",
            });
            return true;
        }
        var rounds = payout.Rounds + 1;
        if (e.IsRetryable && rounds < options.RoundsMax)
        {
            // 429, 409 (the key is still in flight at Stripe), 5xx or no answer, past the
            // client's own retries: again later, under the same key.
            logger.LogWarning("Payout {Payout} will be retried under key {Key} (round {Round}): {Error}", payout.PayoutId, payout.AttemptKey, rounds, e.Summary);
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                Rounds = rounds, Reason = "retrying: " + e.Summary, LeaseUntil = null,
                NextAttemptAt = now + Backoff.Exponential(rounds, checked((int)options.RetryDelayBase.TotalMilliseconds), checked((int)options.RetryDelayMax.TotalMilliseconds)),
            });
            return true;
        }
        // For an operator: a final refusal (a new key for a release), or an outcome Stripe has
        // not settled for us (retries ran out, the key was used with other parameters, an
        // answer that could not be read). Then the key is kept, so a release re-sends it and
        // Stripe answers with whatever it made under it: never a second transfer.
        var why = e.IsFinalRefusal ? "Stripe refused it: "
            : e.IsRetryable ? $"gave up after {rounds} rounds (key {payout.AttemptKey} kept): "
            : e.IsUnreadableAnswer ? $"Stripe answered but the answer could not be read at {e.Param}; it may have made the transfer (key {payout.AttemptKey} kept): "
            : $"Stripe's answer leaves the outcome open (key {payout.AttemptKey} kept): ";
        var failed = await PayoutStore.SaveAsync(context, payout, (e.IsFinalRefusal ? nextKey : payout with { LeaseUntil = null, Rounds = rounds }) with
        {
            State = PayoutStates.Failed, Reason = why + e.Summary,
        });
        context.Cause = payout.Cause;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "payout_failed", payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} failed: {failed.Reason}; " +
            $"release (retry) or reject it: cpctl payouts release|reject {payout.PayoutId}", $"{payout.PayoutId}:{failed.Version}");
        return true;
    }

    /// <summary>The Idempotency-Key of a payout's attempts: the payout id, then a numbered one per refused attempt.</summary>
    public static string AttemptKey(string payoutId, int generation) => generation == 0 ? payoutId : $"{payoutId}:{generation}";
}
