using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Settlement;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Settlement.MakeGoods;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using System.Text.Json;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Operations.Queries.Ledger;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// Credit-only make-goods after a correction reported after COMPLETE: assessed by Settlement,
/// proposed by one approver, confirmed by a different one (never by the proposer's key under another
/// name), booked once as a platform expense and
/// paid by Payout like a prize; nobody is clawed back.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class MakeGoodTests
{
    private static readonly ContestDefined Contest = Fantasy("mg", DateTimeOffset.UnixEpoch.AddDays(1), ["g1"]) with
    {
        PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted),
    };

    private static readonly StandingRow[] Official =
    [
        new(1, "e-ada", "ada", 50_000), new(2, "e-bo", "bo", 40_000), new(3, "e-cy", "cy", 30_000),
        new(3, "e-di", "di", 30_000),
        new(5, "e-ed", "ed", 1_000), new(5, "e-fi", "fi", 1_000),
    ];

    private static StandingsCorrectionReported Report(int changedCount, params StandingChange[] changes) => new("mg",
        new StatCorrectionRecorded("g1", 8, "te1", "receptions", 2, 100), 1, "final", "corrected", changedCount,
        changes, DateTimeOffset.UnixEpoch);

    private static readonly EntryFee[] Fees =
        [.. Official.Select(r => new EntryFee(r.EntryId, Fee, "pi_" + r.PlayerId))];

    [Fact]
    public void Entries_a_correction_favours_are_owed_the_difference_and_nobody_is_clawed_back()
    {
        // te1's receptions corrected from 2 to 100: ed and fi tie ada for first; all three share places 1-3 (18.00
        // each).
        var report = Report(6,
            new StandingChange("e-ed", "ed", 5, 1_000, 1, 50_000),
            new StandingChange("e-fi", "fi", 5, 1_000, 1, 50_000),
            new StandingChange("e-bo", "bo", 2, 40_000, 4, 40_000),
            new StandingChange("e-cy", "cy", 3, 30_000, 5, 30_000),
            new StandingChange("e-di", "di", 3, 30_000, 5, 30_000),
            new StandingChange("e-ada", "ada", 1, 50_000, 1, 50_000));
        var a = MakeGoodRules.Assess(report, Contest, Fees, Official, new Dictionary<string, long>(),
            DateTimeOffset.UnixEpoch);
        Assert.True(a.Complete);
        Assert.Equal([("e-ed", 0L, 1_746L, 1_746L), ("e-fi", 0L, 1_746L, 1_746L)],
            a.Items.Select(i => (i.EntryId, i.OfficialNetMinor, i.CorrectedNetMinor, i.MakeGoodMinor)));
        Assert.Equal(3_492, a.TotalMinor);

        // What an earlier make-good booked for an entry is not owed twice.
        var again = MakeGoodRules.Assess(report, Contest, Fees, Official,
            new Dictionary<string, long> { ["e-ed"] = 1_746, ["e-fi"] = 1_000 }, DateTimeOffset.UnixEpoch);
        Assert.Equal([("e-fi", 746L)], again.Items.Select(i => (i.EntryId, i.MakeGoodMinor)));
    }

    [Fact]
    public void A_report_that_lists_fewer_changes_than_it_counts_is_decided_by_hand()
    {
        var a = MakeGoodRules.Assess(Report(200, new StandingChange("e-ed", "ed", 5, 1_000, 1, 50_000)), Contest,
            Fees, Official, new Dictionary<string, long>(), DateTimeOffset.UnixEpoch);
        Assert.False(a.Complete);
        Assert.Empty(a.Items);
        Assert.Contains("1 of 200", a.Note);
    }

    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(30);

    private static MakeGoodProposal Proposal(DateTimeOffset decidedAt, DateTimeOffset proposedAt) =>
        new("p1", "mg", 1, "ann", "corrected", 3_492, null, decidedAt, proposedAt);

    private static readonly MakeGoodItem[] Items =
        [new("e-ed", "ed", 5, 1, 0, 1_746, 1_746), new("e-fi", "fi", 5, 1, 0, 1_746, 1_746)];

    private static MakeGoodConfirmed Confirmation(string who, string? terms) =>
        new("c1", "mg", "p1", who, "agreed", Now, 3_492, "USD", terms);

    [Fact]
    public void A_confirmation_counts_only_for_the_terms_proposed_by_another_operator_while_the_proposal_is_current()
    {
        var terms = MakeGoodTerms.Of("p1", "mg", 1, 3_492, "USD", Items);
        var day = TimeSpan.FromHours(24);
        var fresh = Proposal(Now.AddHours(-1), Now.AddHours(-1));
        Assert.Null(MakeGoodConfirmations.Refusal(fresh, Confirmation("bob", terms), terms, null, Now, day));
        Assert.Contains("a second, different approver",
            MakeGoodConfirmations.Refusal(fresh, Confirmation("ANN", terms), terms, null, Now, day));
        Assert.Contains("names no terms",
            MakeGoodConfirmations.Refusal(fresh, Confirmation("bob", null), terms, null, Now, day));
        Assert.Contains("superseded by proposal p2",
            MakeGoodConfirmations.Refusal(fresh, Confirmation("bob", terms), terms, "p2", Now, day));
        // Another recipient, amount, total, report or proposal is other terms.
        foreach (var other in new[]
        {
            MakeGoodTerms.Of("p1", "mg", 1, 3_492, "USD", [Items[0], Items[1] with { PlayerId = "mallory" }]),
            MakeGoodTerms.Of("p1", "mg", 1, 3_492, "USD", [Items[0], Items[1] with { MakeGoodMinor = 1_745 }]),
            MakeGoodTerms.Of("p1", "mg", 1, 3_491, "USD", Items), MakeGoodTerms.Of("p1", "mg", 2, 3_492, "USD", Items),
            MakeGoodTerms.Of("p2", "mg", 1, 3_492, "USD", Items), MakeGoodTerms.Of("p1", "mg", 1, 3_492, "EUR", Items),
        })
            Assert.Contains("confirms other terms",
                MakeGoodConfirmations.Refusal(fresh, Confirmation("bob", other), terms, null, Now, day));
    }

    [Fact]
    public void A_proposal_expires_a_lifetime_after_it_was_made_never_later_than_it_was_recorded()
    {
        var terms = MakeGoodTerms.Of("p1", "mg", 1, 3_492, "USD", Items);
        var day = TimeSpan.FromHours(24);
        var almost = Proposal(Now - day + TimeSpan.FromSeconds(1), Now - day + TimeSpan.FromSeconds(1));
        Assert.Null(MakeGoodConfirmations.Refusal(almost, Confirmation("bob", terms), terms, null, Now, day));
        var expired = Proposal(Now - day, Now - day);
        Assert.Contains("proposal p1 expired unconfirmed at",
            MakeGoodConfirmations.Refusal(expired, Confirmation("bob", terms), terms, null, Now, day));
        // Decided a day ago and recorded only now: expired all the same. Dated in the future: counted from when it was
        // recorded.
        Assert.True(MakeGoodConfirmations.Expired(Proposal(Now - day, Now), Now, day));
        Assert.Equal(Now + day, MakeGoodConfirmations.ExpiresAt(Proposal(Now.AddDays(5), Now), day));
        Assert.Equal(TimeSpan.FromHours(24), SettlementOptions.Read(null).ApprovalLifetime);
        // The confirmation itself counts from when it was signed: one re-driven a day later is refused.
        var late = Confirmation("bob", terms) with { DecidedAt = Now - day };
        Assert.Contains("the confirmation: it was signed at",
            MakeGoodConfirmations.Refusal(almost, late, terms, null, Now, day), StringComparison.Ordinal);
    }

    [Fact]
    public void A_make_goods_payout_id_is_fixed_by_contest_entry_and_report()
    {
        Assert.Equal(PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 1),
            PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 1));
        Assert.NotEqual(PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 1),
            PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 2));
        Assert.StartsWith("makegood_", PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 1), StringComparison.Ordinal);
        Assert.Equal(41, PrizePayoutOrdered.MakeGoodIdFor("mg", "e-ed", 1).Length);
    }

    [Fact]
    public async Task A_make_good_needs_two_different_approvers_and_is_booked_and_paid_exactly_once()
    {
        await using var stack = await OperationsStack.StartAsync("makegood");
        stack.StartWorkers();
        await stack.RunContestToSettledAsync("mg");
        // ada's first prize is held for review: release it with two approvers so the contest is PAID first.
        var held = await ContestPipeline.Tests.Operations.ReadModelReplayTests.HeldPayoutAsync(stack);
        foreach (var who in new[] { "ann", "bob" })
            await ContestPipeline.Tests.Operations.ReadModelReplayTests.ReleaseAsync(stack, "mg", held, who,
                "reviewed");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync("mg") == "PAID", "mg PAID", 120);

        // A correction after COMPLETE: te1 had 100 receptions, not 2. The result stands; ed and fi are owed 17.46 each.
        stack.World.Correct(OperationsStack.Game, 8, "te1", "receptions", 100);
        await stack.WaitAsync(async () => await stack.TableExistsAsync("operations.make_goods")
            && await stack.ScalarAsync<long>("SELECT count(*) FROM operations.make_goods WHERE contest_id = 'mg'") == 1,
            "the make-goods assessed", 120);
        Assert.Equal(3_492, await stack.ScalarAsync<long>(
            "SELECT (assessment ->> 'totalMinor')::bigint FROM operations.make_goods WHERE contest_id = 'mg'"));

        var assessed = JsonSerializer.Deserialize<MakeGoodsAssessed>(
            (await stack.ScalarAsync<string>("SELECT assessment::text FROM operations.make_goods " +
                "WHERE contest_id = 'mg'"))!, OutgoingMessage.Json)!;
        var decisions = new MakeGoodDecisions(stack, assessed);
        await decisions.AnExpiredOrUnsealedProposalIsRefusedAsync();
        await decisions.ConfirmationsThatAreNotASecondOperatorsConfirmNothingAsync();
        await decisions.TheProposersKeyUnderAnotherNameIsOneOperatorAsync();
        await decisions.AConfirmationWithoutItsConfirmersSealBooksNothingAsync();
        await decisions.TwoOperatorsOwnKeysBookItAndPayoutPaysItOnceAsync();
    }

    /// <summary>
    /// mg's make-goods as its operators decide them once assessed: proposals and confirmations, each sealed (or not)
    /// by whoever makes it, as the operators' tool publishes them.
    /// </summary>
    private sealed class MakeGoodDecisions(OperationsStack stack, MakeGoodsAssessed assessed)
    {
        private string TermsOf(string proposal) => MakeGoodTerms.Of(proposal, "mg", 1, 3_492, "USD", assessed.Items);
        private static OperatorSeal SealOf(string who, string terms) =>
            MakeGoodSeals.Seal(LocalSigningKeys.Operator(who), "mg", terms);
        private MakeGoodConfirmed Confirm(string id, string proposal, string who, string? terms = null) =>
            new(id, "mg", proposal, who, "agreed", DateTimeOffset.UtcNow, 3_492, "USD", terms ?? TermsOf(proposal),
                SealOf(who, terms ?? TermsOf(proposal)));
        private MakeGoodProposed Propose(string id, DateTimeOffset decidedAt) =>
            new(id, "mg", 1, 3_492, "USD", "ann", "te1's receptions were corrected", decidedAt,
                SealOf("ann", TermsOf(id)));
        private void Publish(MakeGoodConfirmed c) => stack.World.Publish(Topics.Operations, "mg",
            MakeGoodConfirmed.MessageType, MakeGoodConfirmed.MessageIdFor(c.DecisionId), c);
        private async Task<string> RefusedAsync(string decisionId)
        {
            string? reason = null;
            await stack.WaitAsync(() => Task.FromResult((reason = stack.World.Read(Topics.DeadLetter(Topics.Operations))
                .Select(m => m.Headers[MessageHeaders.DeadLetterReason]).FirstOrDefault(r =>
                    r.Contains($"confirmation {decisionId}:", StringComparison.Ordinal))) is not null),
                $"confirmation {decisionId} dead-lettered");
            return reason!;
        }

        public async Task AnExpiredOrUnsealedProposalIsRefusedAsync()
        {
            // A proposal made 25 hours ago and never confirmed has expired: its confirmation books nothing.
            stack.World.Publish(Topics.Operations, "mg", MakeGoodProposed.MessageType,
                MakeGoodProposed.MessageIdFor("p0"), Propose("p0", DateTimeOffset.UtcNow.AddHours(-25)));
            Publish(Confirm("c-late", "p0", "bob"));
            Assert.Contains("proposal p0 expired unconfirmed", await RefusedAsync("c-late"), StringComparison.Ordinal);

            // A proposal without the proposer's seal for Payout is refused: what it booked could not be paid.
            stack.World.Publish(Topics.Operations, "mg", MakeGoodProposed.MessageType,
                MakeGoodProposed.MessageIdFor("p-unsealed"),
                Propose("p-unsealed", DateTimeOffset.UtcNow) with { PayoutSeal = null });
            string? unsealed = null;
            await stack.WaitAsync(() => Task.FromResult((unsealed = stack.World
                .Read(Topics.DeadLetter(Topics.Operations)).Select(m => m.Headers[MessageHeaders.DeadLetterReason])
                    .FirstOrDefault(r => r.Contains("proposal p-unsealed:", StringComparison.Ordinal))) is not null),
                "the unsealed proposal dead-lettered");
            Assert.Contains("it carries no seal of its terms for Payout by its proposer ann", unsealed,
                StringComparison.Ordinal);
        }

        /// <summary>p1, proposed by ann: a confirmation by her, of other terms, of none, or of the proposal p1
        /// superseded confirms nothing.</summary>
        public async Task ConfirmationsThatAreNotASecondOperatorsConfirmNothingAsync()
        {
            stack.World.Publish(Topics.Operations, "mg", MakeGoodProposed.MessageType,
                MakeGoodProposed.MessageIdFor("p1"), Propose("p1", DateTimeOffset.UtcNow));
            // The proposer cannot confirm her own proposal: refused, nothing booked.
            Publish(Confirm("c0", "p1", "ann"));
            Assert.Contains("a second, different approver must confirm", await RefusedAsync("c0"),
                StringComparison.Ordinal);
            // A confirmation of other terms than the proposal's (another total or recipients), or of none, confirms
            // nothing; nor does one of the proposal p1 superseded.
            Publish(Confirm("c-other", "p1", "bob",
                MakeGoodTerms.Of("p1", "mg", 1, 3_492, "USD", assessed.Items.Take(1))));
            Assert.Contains("it confirms other terms", await RefusedAsync("c-other"), StringComparison.Ordinal);
            Publish(new MakeGoodConfirmed("c-bare", "mg", "p1", "bob", "agreed", DateTimeOffset.UtcNow));
            Assert.Contains("it names no terms of proposal p1", await RefusedAsync("c-bare"), StringComparison.Ordinal);
            Publish(Confirm("c-old", "p0", "cat"));
            Assert.Contains("proposal p0 was superseded by proposal p1", await RefusedAsync("c-old"),
                StringComparison.Ordinal);
            Assert.Equal(0, await stack.ScalarAsync<long>(
                "SELECT count(*) FROM settlement.payouts WHERE make_good_of IS NOT NULL"));
        }

        public async Task TheProposersKeyUnderAnotherNameIsOneOperatorAsync()
        {
            // The proposer's own key confirming under another operator's name is one operator, not two: refused,
            // nothing booked.
            var annAsBob = Confirm("c-ann-as-bob", "p1", "bob");
            var annAsBobMessage = OutgoingMessage.Create(Topics.Operations, "mg",
                new Envelope(MakeGoodConfirmed.MessageIdFor(annAsBob.DecisionId),
                MakeGoodConfirmed.MessageType, MakeGoodConfirmed.SchemaVersion, annAsBob.DecisionId, null,
                DateTimeOffset.UtcNow), annAsBob);
            stack.World.PublishRaw(Topics.Operations, "mg", annAsBobMessage.Payload,
                stack.World.Sign(Producers.Operator, Topics.Operations,
                annAsBobMessage.Key, annAsBobMessage.Payload, annAsBobMessage.Headers, "ann"));
            string? mismatch = null;
            await stack.WaitAsync(() => Task.FromResult((mismatch = stack.World
                .Read(Topics.DeadLetter(Topics.Operations))
                .Where(m => m.Headers[MessageHeaders.MessageId] == MakeGoodConfirmed.MessageIdFor("c-ann-as-bob"))
                .Select(m => m.Headers[MessageHeaders.DeadLetterReason]).FirstOrDefault()) is not null),
                "ann's confirmation as bob refused");
            Assert.Contains("operator mismatch", mismatch, StringComparison.Ordinal);
            Assert.Equal(0, await stack.ScalarAsync<long>(
                "SELECT count(*) FROM settlement.payouts WHERE make_good_of IS NOT NULL"));
            Assert.Null(await stack.ScalarAsync<string>(
                "SELECT confirmed_by FROM settlement.make_good_proposals WHERE proposal_id = 'p1'"));
        }

        public async Task AConfirmationWithoutItsConfirmersSealBooksNothingAsync()
        {
            // A confirmation without the confirmer's seal for Payout, or with another operator's seal, books nothing.
            Publish(Confirm("c-unsealed", "p1", "bob") with { PayoutSeal = null });
            Assert.Contains("it carries no seal of the terms for Payout by its confirmer bob",
                await RefusedAsync("c-unsealed"), StringComparison.Ordinal);
            Publish(Confirm("c-cat-seal", "p1", "bob") with { PayoutSeal = SealOf("cat", TermsOf("p1")) });
            Assert.Contains("by its confirmer bob", await RefusedAsync("c-cat-seal"), StringComparison.Ordinal);
            Assert.Equal(0, await stack.ScalarAsync<long>(
                "SELECT count(*) FROM settlement.payouts WHERE make_good_of IS NOT NULL"));
        }

        public async Task TwoOperatorsOwnKeysBookItAndPayoutPaysItOnceAsync()
        {
            // Two operators' own keys: booked, and paid by Payout under both operators' seals.
            Publish(Confirm("c1", "p1", "bob"));
            Publish(Confirm("c2", "p1", "cat"));
            await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
                "SELECT count(*) FROM operations.payouts WHERE contest_id = 'mg' AND kind = 'make_good' " +
                "AND state = 'paid'") == 2, "both make-goods paid", 120);

            // The read model and Settlement read payouts.status each at its own pace: wait for Settlement's
            // bookings of both transfers before reading its journal.
            await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
                "SELECT count(*) FROM settlement.journal WHERE kind = 'transfer_sent' " +
                "AND journal_id LIKE 'transfer:makegood_%'") == 2,
                "Settlement booked both make-good transfers", 60);
            await using var conn = await stack.DataSource.OpenConnectionAsync();
            var journal = (await conn.QueryAsync<(string Account, long Amount)>("""
                SELECT p.account, sum(p.amount_minor)::bigint
                FROM settlement.postings p JOIN settlement.journal j USING (journal_id)
                WHERE j.kind = 'make_good' GROUP BY p.account ORDER BY p.account
                """)).ToList();
            Assert.Equal([(MakeGoodRules.ExpenseAccount, 3_492L), (Accounts.PrizesPayable("ed"), -1_746L),
                (Accounts.PrizesPayable("fi"), -1_746L)], journal);
            Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.journal " +
                "WHERE kind = 'transfer_sent' AND journal_id LIKE 'transfer:makegood_%'"));
            // Payout's own rows: read as they are, with their states in the message should they differ.
            var makeGoodPayouts = (await conn.QueryAsync<(string Id, string State, string? Reason)>(
                "SELECT payout_id, state, reason FROM payout.payouts WHERE payout_id LIKE 'makegood_%' " +
                "ORDER BY payout_id")).ToList();
            Assert.True(makeGoodPayouts.Count == 2 && makeGoodPayouts.All(p => p.State == "paid"),
                "both make-goods paid in Payout's own table: " +
                string.Join("; ", makeGoodPayouts.Select(p => $"{p.Id} {p.State} ({p.Reason})")));
            Assert.Equal(2, stack.Stripe.Ledger().Transfers.Count(t => t.Metadata.TryGetValue("payout_id", out var p)
                && p.StartsWith("makegood_", StringComparison.Ordinal)));
            Assert.Empty(await LedgerCheckStore.BookAsync(conn));
            Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "mg"));
            Assert.Equal(1_746, await conn.ExecuteScalarAsync<long>(
                "SELECT net_minor FROM settlement.payouts WHERE player_id = 'ed' AND make_good_of = 1"));
            Assert.Equal(["ann,bob", "ann,bob"],
                await conn.QueryAsync<string>("SELECT sealed_by FROM payout.make_good_grants ORDER BY payout_id"));
        }
    }
}
