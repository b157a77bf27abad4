using Balance = Stripe.Balance;
using Transfer = Stripe.Transfer;
using TransferCreateOptions = Stripe.TransferCreateOptions;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.Payout.Controls;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Payout.Restores;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// Pays prizes by the core's claim → lease → call → record (<see cref="ClaimedCalls"/>): each due
/// payout passes the gates (<see cref="PayoutGates"/>) or waits, and one that may go is claimed
/// submitting with its idempotency key in the claim's transaction, which commits before Stripe is
/// called; then the transfer is created; then its result is recorded in one more transaction. A
/// crash in between leaves it submitting, and the next claim after its lease sends it again under
/// the same key, so Stripe transfers once; an attempt first sent more than
/// <see cref="PayoutOptions.LookupAfter"/> ago is looked up on Stripe first (Stripe forgets keys
/// after 24 hours). The key changes only after a refusal with Stripe's final answer
/// (<see cref="StripeFailure.IsFinalRefusal"/>); a 409 (the key still in flight), a timeout, a
/// 5xx or an answer that could not be read is retried, or failed for an operator, under the same
/// key, so a release can never send a second transfer beside the first. After a restore of the schema
/// (<see cref="ReconcileRestoresJob"/>) nothing is sent until it is reconciled; a payout Stripe is then known to hold a
/// transfer for is adopted (recorded paid with that transfer) instead of being sent, and one ordered before the latest
/// restore's copy is looked up on Stripe before it is sent, whatever its row says.
/// </summary>
public sealed class SendTransfersJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<SendTransfersJob> logger) : IJob
{
    // The balance as last read, spent down by what this job claimed since, and when it was read (null: read it).
    private Dictionary<string, long>? _balance;
    private long _balanceReadAt;
    // What the last claim read of restores: the latest copy's time (payouts ordered before it are looked up first).
    private RestoreState _restores = RestoreState.None;
    // The restore state last logged, so a paused job says so once, not every round.
    private bool _pausedLogged;

    public string Name => "send-transfers";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        // The emergency stop: nothing new is sent, not even a balance read, while halted.
        var currencies = await job.InTransactionAsync("find due currencies", async context =>
            await DispatchStore.HaltedAsync(context) || await PausedForRestoreAsync(context) ? null
                : await PayoutClaimStore.DueCurrenciesAsync(context), ct);
        if (currencies is null) return false;
        // Payouts are due: this instance has calls to make for the whole round, while it reads the balance and
        // claims too, not only while it sends, so a slow claim does not hand its part of a pooled budget back.
        using var wanting = currencies.Count > 0 ? stripe.Budget.Wanting() : null;
        // The balance, read before the claim (or kept from a read less than BalanceReuse ago), spent down as payouts
        // are claimed.
        var (budget, fresh) = currencies.Count == 0 ? ([], true) : await BudgetAsync(job, currencies, ct);
        return await ClaimedCalls.RunAsync(job, new ClaimedCall<PayoutRow, Sent>
        {
            What = "transfer",
            ClaimAsync = context => ClaimAsync(context, budget, fresh),
            ClaimNextAsync = context => ClaimNextAsync(job, context),
            StillDueAsync = StillDueAsync,
            IdOf = p => p.PayoutId,
            CallAsync = (payout, token) => SendAsync(job.Clock, payout, token),
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            InFlight = options.CallsInFlight,
            RenewAsync = PayoutClaimStore.RenewLeasesAsync,
            CrashAfterClaim = CrashPoints.PayoutAfterSubmitting,
            CrashAfterCall = CrashPoints.PayoutAfterStripeCall,
        }, crash, logger, ct) > 0;
    }

    /// <summary>The balance kept from the last read while it is recent enough; otherwise a fresh read.</summary>
    private async Task<(Dictionary<string, long> Budget, bool Fresh)> BudgetAsync(JobContext job,
        IReadOnlyList<string> currencies, CancellationToken ct)
    {
        if (_balance is { } kept && job.Clock.GetElapsedTime(_balanceReadAt) < options.BalanceReuse
            && currencies.All(kept.ContainsKey)) return (kept, false);
        _balance = null;
        var readAt = job.Clock.GetTimestamp();
        var (read, readable) = await BalanceAsync(job, currencies, ct);
        if (readable) (_balance, _balanceReadAt) = (read, readAt);
        return (read, true);
    }

    /// <summary>
    /// The platform's available balance in each currency; none (so nothing is sent) when it cannot be read.
    /// </summary>
    private async Task<(Dictionary<string, long> Balance, bool Readable)> BalanceAsync(JobContext job,
        IReadOnlyList<string> currencies, CancellationToken ct)
    {
        Balance? balance = null;
        try
        {
            balance = await stripe.ReadAsync("GET /v1/balance", (s, o, t) => s.V1.Balance.GetAsync(o, t), ct);
        }
        catch (StripeFailure e) when (e.IsUnreadableAnswer)
        {
            // Not a reason to stop (and restart into the same answer): nothing is sent
            // while the balance cannot be read, and an operator is told.
            await job.InTransactionAsync("balance unreadable", context =>
            {
                context.Cause = Cause.Clock(Name, "balance");
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_balance_unreadable", "balance",
                    $"the platform's balance could not be read ({e.Message}); no prize is sent until it " +
                    "can be", e.Param ?? "$");
                return Task.FromResult(true);
            }, ct);
        }
        return (currencies.ToDictionary(c => c, c => balance?.AvailableIn(c.ToLowerInvariant()) ?? 0,
            StringComparer.Ordinal), balance is not null);
    }

    /// <summary>
    /// The claim: every due payout through the gates; those that may go become submitting with their key.
    /// </summary>
    private async Task<IReadOnlyList<PayoutRow>> ClaimAsync(TransactionContext context, Dictionary<string, long> budget,
        bool fresh)
    {
        var toSend = new List<PayoutRow>();
        // Checked again in the claim itself: a halt or a restore that committed since the check above stops this claim.
        if (await DispatchStore.HaltedAsync(context) || await PausedForRestoreAsync(context)) return toSend;
        var due = await PayoutClaimStore.DueAsync(context, RoundSize());
        // A transfer a restore's reconciliation found on Stripe for a payout is its payment: adopted, never sent again.
        var seen = await SeenOnStripeStore.TransfersOfAsync(context, [.. due.Select(p => p.PayoutId)]);
        if (seen.Count > 0)
        {
            foreach (var payout in due.Where(p => seen.ContainsKey(p.PayoutId)))
                await AdoptAsync(context, payout, seen[payout.PayoutId]);
            due = [.. due.Where(p => !seen.ContainsKey(p.PayoutId))];
        }
        // One claim at a time per recipient across every Payout instance: the limits and the
        // spacing are read below with every payout another claim made for the recipient.
        await PayoutClaimStore.LockRecipientsAsync(context,
            due.Where(p => p.State != PayoutState.Submitting).Select(p => p.PlayerId));
        foreach (var payout in due)
        {
            if (await DecideAsync(context, payout, budget, fresh) is { } claimed) toSend.Add(claimed);
        }
        return toSend;
    }

    /// <summary>
    /// Whether a restore not yet reconciled with Stripe stops sending (said once in the log while it does); keeps the
    /// latest restore's copy time for <see cref="SendAsync"/>.
    /// </summary>
    private async Task<bool> PausedForRestoreAsync(TransactionContext context)
    {
        _restores = await RestoreStore.StateAsync(context);
        if (_restores.Unreconciled && !_pausedLogged)
            logger.LogWarning("No transfer is sent: a restore of Payout's schema is not reconciled with Stripe yet " +
                "(copy of {CopyTakenAt:O}); reconcile-restores does it", _restores.LatestCopyTakenAt);
        _pausedLogged = _restores.Unreconciled;
        return _restores.Unreconciled;
    }

    /// <summary>
    /// A payout whose transfer a restore's reconciliation found on Stripe: recorded as paid by it, as if its send had
    /// been answered with it (a transfer that does not match it is not recorded, with a critical alert, and quarantines
    /// a payout that was being submitted).
    /// </summary>
    private async Task AdoptAsync(TransactionContext context, PayoutRow payout, TransferSeen transfer)
    {
        logger.LogWarning("Payout {Payout} adopts transfer {Transfer} found on Stripe after a restore; nothing is sent",
            payout.PayoutId, transfer.Id);
        await TransferBookings.MarkPaidAsync(context, payout.PayoutId, transfer,
            "found on Stripe after a restore (adopted, not sent again)",
            answer: payout.State == PayoutState.Submitting);
    }

    /// <summary>
    /// The next round, claimed while this one sends, so that sending never waits on a claim: only on a balance kept
    /// from a read less than <see cref="PayoutOptions.BalanceReuse"/> ago, spent down by every round claimed since.
    /// Otherwise none, and the next run reads the balance first, with none of this job's transfers in flight (a
    /// balance read while they are could count money that one of them is taking).
    /// </summary>
    private Task<IReadOnlyList<PayoutRow>> ClaimNextAsync(JobContext job, TransactionContext context) =>
        _balance is { } kept && job.Clock.GetElapsedTime(_balanceReadAt) < options.BalanceReuse
            ? ClaimAsync(context, kept, fresh: false)
            : Task.FromResult<IReadOnlyList<PayoutRow>>([]);

    /// <summary>
    /// How many due payouts a round claims: about a second of sending at this instance's rate now, at most
    /// <see cref="PayoutOptions.BatchSize"/>. Nothing is sent while a round is claimed (a few milliseconds a
    /// payout), so the tokens earned meanwhile wait in the bucket's burst, which is sized to the rate too; a round
    /// of 100 claimed at a pooled 50/s took longer than its burst holds, and the rest was lost.
    /// </summary>
    private int RoundSize() => RoundSize(stripe.Budget.Rate, options.BatchSize);

    /// <summary>A round at <paramref name="rate"/> a second (0: none yet, a pooled instance settling): at most
    /// <paramref name="most"/>.</summary>
    public static int RoundSize(int rate, int most) => rate > 0 ? Math.Min(most, rate) : most;

    /// <summary>One due payout: claimed to be sent (returned), or held or left waiting for an account (null).</summary>
    private async Task<PayoutRow?> DecideAsync(TransactionContext context, PayoutRow payout,
        Dictionary<string, long> budget, bool fresh)
    {
        var now = context.Clock.GetUtcNow();
        // Sent before, result unknown (a crash, or a retryable failure): send again, same key.
        if (payout.State == PayoutState.Submitting)
            return await PayoutStore.SaveAsync(context, payout, payout with { LeaseUntil = now + options.Lease });
        // A currency whose balance this round did not read (its first payout became due since): the next round
        // reads it.
        if (!budget.TryGetValue(payout.Currency, out var left)) return null;
        var freezes = await FreezeStore.InForceAsync(context, payout.PaymentIntentId);
        // Won with an entry fee whose dispute was lost before it was ordered (or released): withheld, by the rule a
        // lost dispute applies to the prizes it finds. A lost dispute is a freeze in force, so only a payout with one
        // looks further.
        if (freezes.Count > 0 && await FreezeStore.LostDisputeAsync(context, payout.PaymentIntentId) is { } lost
            && !payout.Waived.Contains(Waivers.Freeze(lost)))
        {
            await LostEntryFees.WithholdAsync(context, payout, $"the entry fee {payout.PaymentIntentId} was disputed " +
                $"with the card issuer and the dispute ({lost}) was lost");
            return null;
        }
        var recipient = await RecipientStore.FindAsync(context, payout.PlayerId);
        var activity = await PayoutClaimStore.ActivityAsync(context, payout, now);
        var input = new GateInput(payout.AmountMinor, payout.Waived, freezes, recipient, activity, left,
            await ChargebacksAsync(context, payout, now), payout.PaymentIntentId);
        switch (PayoutGates.Evaluate(input, options, now))
        {
            case GateDecision.Submit submit:
                budget[payout.Currency] = left - payout.AmountMinor;
                return await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutState.Submitting, Hold = null, Reason = $"sending transfer to {submit.AccountId}",
                    AccountId = submit.AccountId,
                    AttemptKey = payout.AttemptKey ?? AttemptKey(payout.PayoutId, payout.KeyGeneration),
                    SubmittedAt = payout.SubmittedAt ?? now, LeaseUntil = now + options.Lease,
                });
            case GateDecision.AwaitAccount wait:
                // account.updated resumes it at once; the recheck covers an event that raced this claim.
                await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutState.AwaitingAccount, Hold = null, Reason = wait.Reason,
                    NextAttemptAt = now + options.AccountRecheck,
                });
                return null;
            case GateDecision.Hold { Kind: PayoutHold.Balance } when !fresh:
                // Short on a balance kept from an earlier read: the next round reads it again before holding anything.
                _balance = null;
                return null;
            case GateDecision.Hold hold:
                var first = payout.State != PayoutState.Held || payout.Hold != hold.Kind;
                var held = await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutState.Held, Hold = hold.Kind, Reason = hold.Reason,
                    NextAttemptAt = hold.ResumeAt ?? now,
                });
                if (first) RaiseHoldAlert(context, held, hold);
                return null;
            case var other:
                throw new InvariantViolatedException($"payout {payout.PayoutId}: the gates decided {other}, " +
                    "which no claim handles");
        }
    }

    /// <summary>The recipient's disputes and refunds outside the pipeline within the window review looks at.</summary>
    private async Task<IReadOnlyList<Chargeback>> ChargebacksAsync(TransactionContext context, PayoutRow payout,
        DateTimeOffset now) =>
        options.RecentChargebackWindow > TimeSpan.Zero
            ? await DisputeRuleStore.OfPlayerAsync(context, payout.PlayerId, now - options.RecentChargebackWindow)
            : [];

    /// <summary>
    /// Just before a payout's POST, in a transaction that commits before it, with the payout locked: a halt since its
    /// claim keeps it unsent, claimed with its key, until its lease runs out and a claim after the resume takes it
    /// up again. A key never sent is checked once more against the gates an outside event can close after a claim
    /// (<see cref="PayoutGates.ClosedSinceClaim"/>): held with its key if one did, so a freeze or a dispute that
    /// came while it waited for its turn holds it as it would have held it at the claim; otherwise marked sent. A
    /// key that may have been sent goes again whatever came since: only Stripe's answer to it tells what was made.
    /// </summary>
    private async Task<bool> StillDueAsync(TransactionContext context, PayoutRow claimed)
    {
        var payout = await PayoutStore.FindAsync(context, claimed.PayoutId);
        // Recorded, held or rejected meanwhile (a transfer event's read, a freeze, an operator), or under another
        // key: not this call.
        if (payout is null || payout.State != PayoutState.Submitting || payout.AttemptKey != claimed.AttemptKey)
            return false;
        if (await DispatchStore.HaltedNowAsync(context)) return false;
        if (payout.MaybeSent) return true;
        var now = context.Clock.GetUtcNow();
        var input = new GateInput(payout.AmountMinor, payout.Waived,
            await FreezeStore.InForceAsync(context, payout.PaymentIntentId), null, RecipientActivity.None, null,
            await ChargebacksAsync(context, payout, now), payout.PaymentIntentId);
        if (PayoutGates.ClosedSinceClaim(input, options, now) is { } hold)
        {
            var held = await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Held, Hold = hold.Kind, NextAttemptAt = now, LeaseUntil = null,
                Reason = hold.Reason + " (before its transfer was sent)",
            });
            RaiseHoldAlert(context, held, hold);
            return false;
        }
        await PayoutClaimStore.MarkCalledAsync(context, payout);
        return true;
    }

    private static void RaiseHoldAlert(TransactionContext context, PayoutRow payout, GateDecision.Hold hold)
    {
        var (severity, action) = hold.Kind switch
        {
            PayoutHold.Balance => (AlertSeverities.Critical, "top up the platform balance; it resumes by itself"),
            PayoutHold.Review or PayoutHold.Limit =>
                (AlertSeverities.Warning, $"release or reject it: cpctl payouts release|reject {payout.PayoutId}"),
            PayoutHold.Frozen =>
                (AlertSeverities.Warning, "it resumes when the dispute is won; otherwise release or reject it"),
            _ => (AlertSeverities.Info, "it resumes by itself"),
        };
        context.Cause = payout.Cause;
        context.RaiseAlert(PayoutWorker.Name, severity, "payout_held_" + PayoutLifecycle.HoldName(hold.Kind),
            payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} held: " +
            $"{hold.Reason}; {action}", $"{payout.PayoutId}:{payout.Version}");
        context.Cause = null;
    }

    /// <summary>
    /// What a send came back with: the transfer (created, or found on Stripe), or Stripe's
    /// refusal; <see cref="RestartedAt"/> when an attempt older than Stripe's memory of keys was
    /// looked up, found nothing and was sent afresh (its key's 24 hours start then).
    /// </summary>
    private sealed record Sent(TransferSeen? Transfer, string How, StripeFailure? Failure, DateTimeOffset? RestartedAt);

    private async Task<Sent> SendAsync(TimeProvider clock, PayoutRow payout, CancellationToken ct)
    {
        DateTimeOffset? restarted = null;
        try
        {
            // Stripe may have forgotten this key (first sent long ago), or the row may have been restored from a copy
            // taken before it was sent (ordered before the latest restore's copy): find the transfer first. After a
            // restore only the winner's transfers of the contest are read (every payout ordered before the copy is
            // looked up once; a contest's whole group each time would be quadratic in its prizes).
            // A retry after a refusal looks too: whatever an earlier key made is adopted, never sent beside.
            var old = payout.SubmittedAt is { } sent && clock.GetUtcNow() - sent >= options.LookupAfter
                || payout.RefusalRetries > 0;
            if (old || (_restores.LatestCopyTakenAt is { } copy && payout.OrderedAt < copy))
            {
                if (await FindTransferAsync(payout, old ? null : payout.AccountId, ct) is { } existing)
                    return new Sent(existing, "found on Stripe", null, null);
                // None exists: a fresh send is the only one. Should the process die before its
                // result is recorded, the next round looks it up again.
                restarted = clock.GetUtcNow();
            }
            var transfer = await stripe.WriteAsync("POST /v1/transfers", payout.AttemptKey!, (s, o, t) =>
                s.V1.Transfers.CreateAsync(
                TransferFor(payout), o, t), ct);
            return new Sent(Seen(transfer), "transfer created", null, restarted);
        }
        catch (StripeFailure e)
        {
            return new Sent(null, "", e, restarted);
        }
    }

    private Task RecordAsync(TransactionContext context, PayoutRow payout, Sent outcome) =>
        outcome.Transfer is { } transfer
        ? TransferBookings.MarkPaidAsync(context, payout.PayoutId, transfer, outcome.How, answer: true)
        : RecordFailureAsync(context, payout, outcome.Failure!, outcome.RestartedAt);

    /// <summary>
    /// The prize's transfer: to the winner's account, in the contest's transfer group (how it is found again once
    /// Stripe forgot its key), with the payout, contest, entry and player in its metadata.
    /// </summary>
    private static TransferCreateOptions TransferFor(PayoutRow payout) => new()
    {
        Amount = payout.AmountMinor, Currency = payout.Currency.ToLowerInvariant(), Destination = payout.AccountId!,
        TransferGroup = payout.ContestId, Description = $"Prize {payout.PayoutId} for entry {payout.EntryId}",
        Metadata = new Dictionary<string, string>
        {
            ["payout_id"] = payout.PayoutId, ["contest_id"] = payout.ContestId, ["entry_id"] = payout.EntryId,
            ["player_id"] = payout.PlayerId,
        },
    };

    /// <summary>What Payout needs of a transfer.</summary>
    public static TransferSeen Seen(Transfer t) =>
        new(t.Id, t.Amount, t.Currency, t.DestinationId, t.AmountReversed, t.Metadata?.GetValueOrDefault("payout_id"));

    private async Task<TransferSeen?> FindTransferAsync(PayoutRow payout, string? destination, CancellationToken ct)
    {
        await foreach (var t in stripe.TransfersInGroupAsync(payout.ContestId, destination: destination, ct: ct))
            if (t.Metadata is { } metadata && metadata.TryGetValue("payout_id", out var id) && id == payout.PayoutId)
                return Seen(t);
        return null;
    }

    private async Task<bool> RecordFailureAsync(TransactionContext context, PayoutRow sent, StripeFailure e,
        DateTimeOffset? restartedAt)
    {
        var payout = await PayoutStore.FindAsync(context, sent.PayoutId);
        // Resolved meanwhile (a transfer event's read recorded it): nothing to do.
        if (payout is null || payout.State != PayoutState.Submitting
            || payout.AttemptKey != sent.AttemptKey) return false;
        payout = payout with { SubmittedAt = restartedAt ?? payout.SubmittedAt };
        var now = context.Clock.GetUtcNow();
        // A refusal with Stripe's final answer in hand means nothing was made under this key,
        // and Stripe will replay the refusal for it: the next attempt needs a new one.
        var nextKey = payout with
        {
            AttemptKey = null, SubmittedAt = null, KeyGeneration = payout.KeyGeneration + 1,
            LeaseUntil = null, Rounds = 0,
        };
        if (e.IsFinalRefusal && e.Code == StripeErrorCodes.BalanceInsufficient)
        {
            _balance = null; // less than this job counted on: read it again
            await RetryRefusedAsync(context, payout, nextKey, e);
            return true;
        }
        if (e.IsFinalRefusal && e.Code == StripeErrorCodes.InsufficientCapabilitiesForTransfer)
        {
            await RecipientStore.MarkCannotReceiveAsync(context, payout.PlayerId);
            await PayoutStore.SaveAsync(context, payout, nextKey with
            {
                State = PayoutState.AwaitingAccount,
                Reason = $"Stripe: account {payout.AccountId} cannot receive transfers: {e.Message}",
            });
            return true;
        }
        var rounds = payout.Rounds + 1;
        if (e.IsRetryable && rounds < options.RoundsMax)
        {
            // 429, 409 (the key is still in flight at Stripe), 5xx or no answer, past the
            // client's own retries: again later, under the same key.
            logger.LogWarning("Payout {Payout} will be retried under key {Key} (round {Round}): {Error}",
                payout.PayoutId, payout.AttemptKey, rounds, e.Summary);
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                Rounds = rounds, Reason = "retrying: " + e.Summary, LeaseUntil = null,
                NextAttemptAt = now + Backoff.Exponential(rounds,
                    checked((int)options.RetryDelayBase.TotalMilliseconds),
                    checked((int)options.RetryDelayMax.TotalMilliseconds)),
            });
            return true;
        }
        await FailAsync(context, payout, e, rounds, nextKey);
        return true;
    }

    /// <summary>
    /// Stripe refused the transfer for a reason a later attempt can get past (balance_insufficient: the balance was
    /// spent elsewhere since it was read). Held for balance, and sent again under a fresh key (recorded at its claim,
    /// before the call) after <see cref="PayoutOptions.RefusalRetryDelay"/>, doubled for each retry before it (5, 10,
    /// 20 minutes); refused again after <see cref="PayoutOptions.RefusalRetriesMax"/> retries, it fails for an
    /// operator. Each retry looks its contest's transfer group up on Stripe first (<see cref="SendAsync"/>).
    /// </summary>
    private async Task RetryRefusedAsync(TransactionContext context, PayoutRow payout, PayoutRow nextKey,
        StripeFailure e)
    {
        var retry = payout.RefusalRetries + 1;
        if (retry > PayoutOptions.RefusalRetriesMax)
        {
            await FailAsync(context, payout, e, payout.Rounds, nextKey,
                $"Stripe refused it {retry} times, the last after {PayoutOptions.RefusalRetriesMax} retries: ");
            return;
        }
        var wait = options.RefusalRetryDelay * (1 << (retry - 1));
        var held = await PayoutStore.SaveAsync(context, payout, nextKey with
        {
            State = PayoutState.Held, Hold = PayoutHold.Balance, RefusalRetries = retry,
            Reason = $"Stripe: {e.Message} (retry {retry} of {PayoutOptions.RefusalRetriesMax} in {wait})",
            NextAttemptAt = context.Clock.GetUtcNow() + wait,
        });
        RaiseHoldAlert(context, held, new GateDecision.Hold(PayoutHold.Balance, "Stripe refused it for " +
            $"insufficient balance; retry {retry} of {PayoutOptions.RefusalRetriesMax} in {wait}", null));
    }

    /// <summary>
    /// For an operator: a final refusal (a new key for a release), or an outcome Stripe has not
    /// settled for us (retries ran out, the key was used with other parameters, an answer that
    /// could not be read). Then the key is kept, so a release re-sends it and Stripe answers with
    /// whatever it made under it: never a second transfer.
    /// </summary>
    private static async Task FailAsync(TransactionContext context, PayoutRow payout, StripeFailure e,
        int rounds, PayoutRow nextKey, string? refused = null)
    {
        var why = e.IsFinalRefusal ? refused ?? "Stripe refused it: "
            : e.IsRetryable ? $"gave up after {rounds} rounds (key {payout.AttemptKey} kept): "
            : e.IsUnreadableAnswer ? $"Stripe answered but the answer could not be read at {e.Param}; " +
                $"it may have made the transfer (key {payout.AttemptKey} kept): "
            : $"Stripe's answer leaves the outcome open (key {payout.AttemptKey} kept): ";
        var failed = await PayoutStore.SaveAsync(context, payout,
            (e.IsFinalRefusal ? nextKey : payout with { LeaseUntil = null, Rounds = rounds }) with
            {
                State = PayoutState.Failed, Reason = why + e.Summary,
            });
        context.Cause = payout.Cause;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "payout_failed", payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} " +
            $"failed: {failed.Reason}; " +
            $"release (retry) or reject it: cpctl payouts release|reject {payout.PayoutId}",
            $"{payout.PayoutId}:{failed.Version}");
    }

    /// <summary>
    /// The Idempotency-Key of a payout's attempts: the payout id, then a numbered one per refused attempt.
    /// </summary>
    public static string AttemptKey(string payoutId, int generation) =>
        generation == 0 ? payoutId : $"{payoutId}:{generation}";
}
