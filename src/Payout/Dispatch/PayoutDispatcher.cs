using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing.Stripe;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Payout.Dispatch;

/// <summary>
/// Everything that moves money through Stripe, one round after another: refunds, onboarding
/// for winners without an account, then prize transfers. Each Stripe call happens between
/// two transactions: the first records the attempt (state submitting, with its idempotency
/// key), the second its result. A crash in between leaves the row submitting, and the next
/// round sends it again under the same key, so Stripe applies it once; an attempt first sent
/// more than <see cref="PayoutOptions.LookupAfter"/> ago is looked up on Stripe first.
/// </summary>
public sealed class PayoutDispatcher(
    NpgsqlDataSource dataSource, IStripeClient stripe, PayoutOptions options, CrashPoints crash, TimeProvider clock,
    ILogger<PayoutDispatcher> logger) : IWorkerLoop
{
    private readonly Outbox _outbox = new(PayoutWorker.Name);
    private readonly Dictionary<string, DateTimeOffset> _onboardingRetryAt = new();

    public string Name => "payout.dispatcher";

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy = await RunRoundAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (FatalWorkerException)
            {
                throw;
            }
            catch (Exception e)
            {
                // The database or Stripe is unreachable, or a row changed under us: nothing was
                // recorded that should not have been; wait and go again.
                failures++;
                logger.LogWarning("Payout round failed ({Failures} in a row): {Error}", failures, e.Message);
                try { await Task.Delay(Backoff.Exponential(failures, 200, 5_000), clock, ct); }
                catch (OperationCanceledException) { return; }
            }
            if (busy) continue;
            try { await Task.Delay(options.DispatchInterval, clock, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round; true when it found work (so the next one starts at once).</summary>
    public async Task<bool> RunRoundAsync(CancellationToken ct)
    {
        var busy = await RefundRoundAsync(ct);
        busy |= await OnboardingRoundAsync(ct);
        busy |= await PayoutRoundAsync(ct);
        return busy;
    }

    private Task<T> InTransaction<T>(string what, Func<HandlerContext, Task<T>> work, CancellationToken ct) =>
        UnitOfWork.RunAsync(dataSource, _outbox, clock, what, work, ct);

    // ---- refunds ---------------------------------------------------------------------------

    private sealed record RefundRow(string RefundId, string ContestId, string PlayerId, string PaymentIntentId, long AmountMinor,
        string Currency, string Reason, int Rounds);

    private async Task<bool> RefundRoundAsync(CancellationToken ct)
    {
        var claimed = await InTransaction("claim refunds", async context =>
        {
            var now = context.Clock.GetUtcNow();
            return (await context.Connection.QueryAsync<RefundRow>("""
                UPDATE payout.refunds r SET state = 'submitting', lease_until = @lease, updated_at = @now
                FROM (SELECT refund_id FROM payout.refunds
                      WHERE state IN ('waiting', 'submitting') AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
                      ORDER BY next_attempt_at, refund_id LIMIT @batch FOR UPDATE SKIP LOCKED) due
                WHERE r.refund_id = due.refund_id
                RETURNING r.refund_id, r.contest_id, r.player_id, r.payment_intent_id, r.amount_minor, r.currency, r.reason, r.rounds
                """, new { now, lease = now + options.Lease, batch = options.BatchSize }, context.Transaction)).ToList();
        }, ct);
        foreach (var refund in claimed) await SendRefundAsync(refund, ct);
        return claimed.Count > 0;
    }

    private async Task SendRefundAsync(RefundRow refund, CancellationToken ct)
    {
        string? stripeRefundId;
        string note;
        try
        {
            var created = await stripe.CreateRefundAsync(new RefundCreate(refund.PaymentIntentId, refund.AmountMinor,
                new Dictionary<string, string> { ["refund_id"] = refund.RefundId, ["contest_id"] = refund.ContestId, ["player_id"] = refund.PlayerId }),
                refund.RefundId, ct);
            crash.Reach(CrashPoints.PayoutAfterStripeCall);
            stripeRefundId = created.Id;
            note = refund.Reason;
        }
        catch (StripeException e) when (e.Code == StripeErrorCodes.ChargeAlreadyRefunded)
        {
            // Stripe has the charge fully refunded already: by this pipeline under a key it has
            // since forgotten, or from outside. Either way the money went back exactly once.
            stripeRefundId = null;
            note = $"{refund.Reason} (Stripe: {e.Message})";
        }
        catch (StripeException e)
        {
            await RecordRefundFailureAsync(refund, e, ct);
            return;
        }

        await InTransaction("record refund", async context =>
        {
            var now = context.Clock.GetUtcNow();
            var updated = await context.Connection.ExecuteAsync("""
                UPDATE payout.refunds SET state = 'refunded', stripe_refund_id = @stripeRefundId, refunded_at = @now, lease_until = NULL, updated_at = @now
                WHERE refund_id = @RefundId AND state <> 'refunded'
                """, new { refund.RefundId, stripeRefundId, now }, context.Transaction);
            if (updated == 1)
                PayoutStore.PublishFact(context, refund.ContestId, EntryFeeRefunded.MessageIdFor(refund.RefundId), EntryFeeRefunded.MessageType,
                    EntryFeeRefunded.SchemaVersion, new EntryFeeRefunded(refund.RefundId, refund.ContestId, refund.PlayerId, refund.PaymentIntentId,
                        refund.AmountMinor, refund.Currency, stripeRefundId, note, now));
            return updated;
        }, ct);
    }

    private Task RecordRefundFailureAsync(RefundRow refund, StripeException e, CancellationToken ct) =>
        InTransaction("record refund failure", async context =>
        {
            var now = context.Clock.GetUtcNow();
            var rounds = refund.Rounds + 1;
            var permanent = !e.IsRetryable || rounds >= options.RoundsMax;
            await context.Connection.ExecuteAsync("""
                UPDATE payout.refunds SET state = @state, rounds = @rounds, last_error = @error, next_attempt_at = @next, lease_until = NULL, updated_at = @now
                WHERE refund_id = @RefundId AND state = 'submitting'
                """, new
            {
                refund.RefundId, state = permanent ? "failed" : "submitting", rounds, error = Describe(e), now,
                next = now + Backoff.Exponential(rounds, (int)options.RetryDelayBase.TotalMilliseconds, (int)options.RetryDelayMax.TotalMilliseconds),
            }, context.Transaction);
            if (permanent)
            {
                PayoutStore.PublishFact(context, refund.ContestId, RefundFailed.MessageIdFor(refund.RefundId), RefundFailed.MessageType,
                    RefundFailed.SchemaVersion, new RefundFailed(refund.RefundId, refund.ContestId, refund.PlayerId, refund.PaymentIntentId,
                        refund.AmountMinor, refund.Currency, Describe(e), now));
                context.RaiseAlert(PayoutWorker.Name, "critical", "refund_failed", refund.RefundId,
                    $"refund {refund.RefundId} of {refund.AmountMinor} {refund.Currency} on {refund.PaymentIntentId} failed: {Describe(e)}", refund.RefundId);
            }
            else
            {
                logger.LogWarning("Refund {Refund} will be retried (round {Round}): {Error}", refund.RefundId, rounds, Describe(e));
            }
            return 0;
        }, ct);

    // ---- onboarding ------------------------------------------------------------------------

    /// <summary>
    /// A winner with no connected account gets one (an Express account requesting transfers,
    /// keyed per player so it is made once) and an onboarding link, published for the app to
    /// show. Their payouts wait until account.updated says the account can receive.
    /// </summary>
    private async Task<bool> OnboardingRoundAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var players = (await conn.QueryAsync<(string PlayerId, string ContestId)>("""
            SELECT p.player_id, min(p.contest_id) FROM payout.payouts p
            WHERE p.state = 'awaiting_account' AND NOT EXISTS (SELECT 1 FROM payout.recipients r WHERE r.player_id = p.player_id)
            GROUP BY p.player_id ORDER BY p.player_id LIMIT @batch
            """, new { batch = options.BatchSize })).Where(p => _onboardingRetryAt.GetValueOrDefault(p.PlayerId) <= now).ToList();
        foreach (var (playerId, contestId) in players)
        {
            try
            {
                var account = await stripe.CreateAccountAsync(new AccountCreate(options.OnboardingCountry, null,
                    new Dictionary<string, string> { ["player_id"] = playerId }), $"account:{playerId}", ct);
                var link = await stripe.CreateAccountLinkAsync(new AccountLinkCreate(account.Id, options.OnboardingRefreshUrl, options.OnboardingReturnUrl),
                    $"onboarding:{playerId}:{account.Id}", ct);
                await InTransaction("record recipient", async context =>
                {
                    var inserted = await context.Connection.ExecuteAsync("""
                        INSERT INTO payout.recipients (player_id, account_id, can_receive, account_created_at, onboarding_url, updated_at)
                        VALUES (@playerId, @accountId, @canReceive, @created, @url, @now) ON CONFLICT (player_id) DO NOTHING
                        """, new
                    {
                        playerId, accountId = account.Id, canReceive = Recipients.CanReceive(account), url = link.Url,
                        created = DateTimeOffset.FromUnixTimeSeconds(account.Created), now = context.Clock.GetUtcNow(),
                    }, context.Transaction);
                    if (inserted == 1)
                        PayoutStore.PublishFact(context, contestId, RecipientOnboardingRequested.MessageIdFor(playerId, account.Id),
                            RecipientOnboardingRequested.MessageType, RecipientOnboardingRequested.SchemaVersion,
                            new RecipientOnboardingRequested(playerId, contestId, account.Id, link.Url, DateTimeOffset.FromUnixTimeSeconds(link.ExpiresAt)));
                    return inserted;
                }, ct);
                _onboardingRetryAt.Remove(playerId);
            }
            catch (StripeException e)
            {
                _onboardingRetryAt[playerId] = now + TimeSpan.FromSeconds(30);
                logger.LogWarning("Onboarding player {Player} failed, retrying in 30 s: {Error}", playerId, Describe(e));
            }
        }
        return false;
    }

    // ---- prize transfers -------------------------------------------------------------------

    private const string DueCondition = """
        next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
        AND (state IN ('waiting', 'submitting', 'awaiting_account') OR (state = 'held' AND hold_kind IN ('velocity', 'balance', 'new_account')))
        """;

    private async Task<bool> PayoutRoundAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        List<string> currencies;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
            currencies = (await conn.QueryAsync<string>($"SELECT DISTINCT currency FROM payout.payouts WHERE {DueCondition} AND state <> 'submitting'",
                new { now })).ToList();
        // The balance is read once per round, before the claim, and spent down as payouts are claimed.
        var budget = new Dictionary<string, long>();
        if (currencies.Count > 0)
        {
            var balance = await stripe.GetBalanceAsync(ct);
            foreach (var c in currencies) budget[c] = balance.AvailableIn(c.ToLowerInvariant());
        }

        var toSend = await InTransaction("claim payouts", context => ClaimAsync(context, budget), ct);
        foreach (var payout in toSend) await SendTransferAsync(payout, ct);
        return toSend.Count > 0;
    }

    private async Task<List<PayoutRow>> ClaimAsync(HandlerContext context, Dictionary<string, long> budget)
    {
        var now = context.Clock.GetUtcNow();
        var due = (await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {PayoutStore.Columns} FROM payout.payouts WHERE {DueCondition}
            ORDER BY next_attempt_at, payout_id LIMIT @batch FOR UPDATE SKIP LOCKED
            """, new { now, batch = options.BatchSize }, context.Transaction)).ToList();
        var toSend = new List<PayoutRow>();
        foreach (var payout in due)
        {
            if (payout.State == PayoutStates.Submitting)
            {
                // Sent before, result unknown (a crash, or a retryable failure): send again, same key.
                toSend.Add(await PayoutStore.SaveAsync(context, payout, payout with { LeaseUntil = now + options.Lease }));
                continue;
            }
            var recipient = await context.Connection.QueryFirstOrDefaultAsync<RecipientView>(
                "SELECT account_id, can_receive, account_created_at FROM payout.recipients WHERE player_id = @PlayerId", payout, context.Transaction);
            var frozen = payout.PaymentIntentId is not null && await context.Connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM payout.frozen_payments WHERE payment_intent_id = @PaymentIntentId AND resolved_at IS NULL)",
                payout, context.Transaction);
            var activity = await ActivityAsync(context, payout, now);
            var decision = PayoutGates.Evaluate(new GateInput(payout.AmountMinor, payout.Released, frozen, recipient, activity,
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

    /// <summary>The recipient's payouts sent or being sent, in the rolling 24 hours and this calendar month (UTC).</summary>
    private static async Task<RecipientActivity> ActivityAsync(HandlerContext context, PayoutRow payout, DateTimeOffset now)
    {
        var dayStart = now - TimeSpan.FromHours(24);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var a = await context.Connection.QueryFirstAsync<(long DayCount, long DayAmount, DateTime? DayOldest, long MonthAmount)>("""
            SELECT count(*) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @dayStart), 0),
                   min(at) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @monthStart), 0)
            FROM (SELECT amount_minor, coalesce(paid_at, submitted_at) AS at FROM payout.payouts
                  WHERE player_id = @PlayerId AND currency = @Currency AND payout_id <> @PayoutId AND state IN ('submitting', 'paid')) sent
            """, new { payout.PlayerId, payout.Currency, payout.PayoutId, dayStart, monthStart }, context.Transaction);
        return new RecipientActivity((int)a.DayCount, a.DayAmount,
            a.DayOldest is { } oldest ? new DateTimeOffset(DateTime.SpecifyKind(oldest, DateTimeKind.Utc)) : null, a.MonthAmount);
    }

    private static void RaiseHoldAlert(HandlerContext context, PayoutRow payout, GateDecision.Hold hold)
    {
        var (severity, action) = hold.Kind switch
        {
            HoldKinds.Balance => ("critical", "top up the platform balance; it resumes by itself"),
            HoldKinds.Review or HoldKinds.Limit => ("warning", $"release or reject it: cpctl payouts release|reject {payout.PayoutId}"),
            HoldKinds.Frozen => ("warning", "it resumes when the dispute is won; otherwise release or reject it"),
            _ => ("info", "it resumes by itself"),
        };
        context.RaiseAlert(PayoutWorker.Name, severity, "payout_held_" + hold.Kind, payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} held: {hold.Reason}; {action}",
            $"{payout.PayoutId}:{payout.Version}");
    }

    private async Task SendTransferAsync(PayoutRow payout, CancellationToken ct)
    {
        crash.Reach(CrashPoints.PayoutAfterSubmitting);
        StripeTransfer transfer;
        try
        {
            if (payout.SubmittedAt is { } sent && clock.GetUtcNow() - sent >= options.LookupAfter)
            {
                // Stripe may have forgotten this key: find the transfer before sending anything.
                var existing = await FindTransferAsync(payout, ct);
                if (existing is not null)
                {
                    await InTransaction("record transfer found", context => PayoutActions.MarkPaidAsync(context, payout.PayoutId, existing, "found on Stripe"), ct);
                    return;
                }
                // None exists: a fresh send is the only one. Its key's 24 hours start now.
                payout = await InTransaction("restart attempt", async context =>
                {
                    var row = await PayoutStore.FindAsync(context, payout.PayoutId);
                    return await PayoutStore.SaveAsync(context, row!, row! with { SubmittedAt = context.Clock.GetUtcNow() });
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
            await InTransaction("record transfer failure", context => RecordFailureAsync(context, payout, e), ct);
            return;
        }
        await InTransaction("record transfer", context => PayoutActions.MarkPaidAsync(context, payout.PayoutId, transfer, "transfer created"), ct);
    }

    private async Task<StripeTransfer?> FindTransferAsync(PayoutRow payout, CancellationToken ct)
    {
        await foreach (var t in stripe.ListAllTransfersAsync(payout.ContestId, ct: ct))
            if (t.Metadata.TryGetValue("payout_id", out var id) && id == payout.PayoutId)
                return t;
        return null;
    }

    private async Task<int> RecordFailureAsync(HandlerContext context, PayoutRow sent, StripeException e)
    {
        var payout = await PayoutStore.FindAsync(context, sent.PayoutId);
        // Resolved meanwhile (a transfer.created event recorded it): nothing to do.
        if (payout is null || payout.State != PayoutStates.Submitting || payout.AttemptKey != sent.AttemptKey) return 0;
        var now = context.Clock.GetUtcNow();
        // A refusal with Stripe's answer in hand means no transfer was made under this key, and
        // Stripe will replay the refusal for that key: the next attempt needs a new one.
        var nextKey = payout with { AttemptKey = null, SubmittedAt = null, KeyGeneration = payout.KeyGeneration + 1, LeaseUntil = null, Rounds = 0 };
        if (e.Code == StripeErrorCodes.BalanceInsufficient)
        {
            var held = await PayoutStore.SaveAsync(context, payout, nextKey with
            {
                State = PayoutStates.Held, HoldKind = HoldKinds.Balance, Reason = "Stripe: " + e.Message, NextAttemptAt = now + options.BalanceRecheck,
            });
            RaiseHoldAlert(context, held, new GateDecision.Hold(HoldKinds.Balance, "Stripe refused it for insufficient balance", null));
            return 1;
        }
        if (e.Code == StripeErrorCodes.InsufficientCapabilitiesForTransfer)
        {
            await context.Connection.ExecuteAsync("UPDATE payout.recipients SET can_receive = false, updated_at = @now WHERE player_id = @PlayerId",
                new { payout.PlayerId, now }, context.Transaction);
            await PayoutStore.SaveAsync(context, payout, nextKey with
            {
                State = PayoutStates.AwaitingAccount, Reason = $"Stripe: account {payout.AccountId} cannot receive transfers: {e.Message}",
            });
            return 1;
        }
        var rounds = payout.Rounds + 1;
        if (e.IsRetryable && rounds < options.RoundsMax)
        {
            logger.LogWarning("Payout {Payout} will be retried (round {Round}): {Error}", payout.PayoutId, rounds, Describe(e));
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                Rounds = rounds, Reason = "retrying: " + Describe(e), LeaseUntil = null,
                NextAttemptAt = now + Backoff.Exponential(rounds, (int)options.RetryDelayBase.TotalMilliseconds, (int)options.RetryDelayMax.TotalMilliseconds),
            });
            return 1;
        }
        // Permanent: a refusal, or retries ran out. When the outcome is unknown (no answer) the
        // key is kept, so a release re-sends it and Stripe returns any transfer it made.
        var failed = await PayoutStore.SaveAsync(context, payout, (e.IsRetryable ? payout with { LeaseUntil = null, Rounds = rounds } : nextKey) with
        {
            State = PayoutStates.Failed, Reason = (e.IsRetryable ? $"gave up after {rounds} rounds: " : "Stripe refused it: ") + Describe(e),
        });
        context.RaiseAlert(PayoutWorker.Name, "critical", "payout_failed", payout.PayoutId,
            $"payout {payout.PayoutId} of {payout.AmountMinor} {payout.Currency} to player {payout.PlayerId} failed: {failed.Reason}; " +
            $"release (retry) or reject it: cpctl payouts release|reject {payout.PayoutId}", $"{payout.PayoutId}:{failed.Version}");
        return 1;
    }

    /// <summary>The Idempotency-Key of a payout's attempts: the payout id, then a numbered one per refused attempt.</summary>
    public static string AttemptKey(string payoutId, int generation) => generation == 0 ? payoutId : $"{payoutId}:{generation}";

    private static string Describe(StripeException e) =>
        $"{e.Type}{(e.Code is null ? "" : "/" + e.Code)} (HTTP {e.HttpStatus}): {e.Message}";
}
