using Charge = Stripe.Charge;
using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Rules.Players;
using ContestPipeline.Stripe;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Tests.Ingestion;

public sealed class EntryChecksTests
{
    private static readonly DateTimeOffset LockAt =
        DateTimeOffset.Parse("2026-11-21T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset BeforeLock = LockAt.AddHours(-1);

    private static readonly ContestDefined Fantasy = new(
        "c1", "Sunday Main", ContestKinds.Fantasy, "USD", 1_000, 2, 3, 2, LockAt, ["g1", "g2"],
        [new("passing_yards", 40)], 3, new PrizeTable(PrizeTableKinds.WinnerTakesAll),
        new PoolRule(PoolModes.Rake, 1_000), 300);

    private static readonly ContestDefined Fitness = Fantasy with
        { Kind = ContestKinds.Fitness, LineupSize = 0, ScoringRules = [new("steps", 1)] };

    private static readonly IReadOnlyDictionary<string, GameInfo> Games = new Dictionary<string, GameInfo>
    {
        ["g1"] = new(LockAt, new HashSet<string> { "a1", "a2", "a3" }),
        ["g2"] = new(LockAt, new HashSet<string> { "b1", "b2" }),
        ["g3"] = new(LockAt, new HashSet<string> { "z1" }),
    };

    private static readonly EntrySubmitted Submission = new("s1", "c1", "p1", "pi_1", ["a1", "a2", "b1"]);

    /// <summary>A charge as the table varies it; Stripe.net's own objects are built from it for each check.</summary>
    private sealed record TestCharge(string Id, long Amount, long AmountRefunded, bool Refunded, bool Disputed)
    {
        public Charge ToStripe() => new()
        {
            Id = Id, Amount = Amount, AmountRefunded = AmountRefunded, Refunded = Refunded, Disputed = Disputed,
            Currency = "usd",
            PaymentIntentId = "pi_1", Status = "succeeded", Metadata = [],
        };
    }

    /// <summary>
    /// A PaymentIntent as the table varies it: its latest charge by id, and read with it when
    /// <see cref="LatestCharge"/> is set.
    /// </summary>
    private sealed record TestIntent(string Id, long Amount, long AmountReceived, string Currency, string Status,
        TestCharge? LatestCharge,
        Dictionary<string, string> Metadata)
    {
        public PaymentIntent ToStripe()
        {
            var intent = new PaymentIntent
            {
                Id = Id, Amount = Amount, AmountReceived = AmountReceived, Currency = Currency, Status = Status,
                Metadata = Metadata,
                LatestChargeId = "ch_1",
            };
            if (LatestCharge is not null) intent.LatestCharge = LatestCharge.ToStripe();
            return intent;
        }
    }

    private static readonly TestCharge Charge = new("ch_1", 1_000, 0, false, false);

    private static readonly TestIntent Payment = new("pi_1", 1_000, 1_000, "usd", StripeStatuses.Succeeded, Charge,
        new Dictionary<string, string> { ["contest_id"] = "c1", ["player_id"] = "p1" });

    private static TestIntent WithCharge(TestCharge? charge) => Payment with { LatestCharge = charge };

    private static readonly EntryContext Open = new(Fantasy, false, false, Games, 0, 0);

    /// <summary>Seed 002's daily limit, no monthly limit, no exclusion.</summary>
    private static readonly EffectiveLimits Unlimited = new(100_000, null, null, null);

    private static PlayerLimitCheck Limits(long daySpent, long monthSpent) => new(Unlimited, daySpent, monthSpent);

    private sealed record Case(EntrySubmitted Submission, TestIntent? Payment, EntryContext Context,
        DateTimeOffset Now);

    private static readonly Case Base = new(Submission, Payment, Open, BeforeLock);

    /// <summary>The fantasy contest free to enter, its prize a sponsor's guarantee.</summary>
    private static readonly ContestDefined FreeFantasy = Fantasy with
        { EntryFeeMinor = 0, Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: 5_000, Sponsor: "acme") };

    /// <summary>The case's submission naming <paramref name="free"/> for its payment, to the free contest.</summary>
    private static Case Free(Case c, string free) => c with
    {
        Submission = c.Submission with { PaymentIntentId = free }, Payment = null,
        Context = c.Context with { Contest = FreeFantasy },
    };

    private static TestIntent Meta(string? contest, string? player)
    {
        var metadata = new Dictionary<string, string>();
        if (contest is not null) metadata["contest_id"] = contest;
        if (player is not null) metadata["player_id"] = player;
        return Payment with { Metadata = metadata };
    }

    /// <summary>Refund expected: null for none, otherwise amount and currency of the refund order.</summary>
    private static readonly (string Name, Func<Case, Case> Change, EntryOutcome Outcome, string Reason,
        (long Amount, string Currency)? Refund)[] Table =
    [
        ("a paid entry with a valid lineup is accepted", c => c, EntryOutcome.Ok,
            "entry entry_pi_1 accepted in contest c1", null),
        ("a free contest's entry names its own submission instead of a payment, and is accepted",
            c => Free(c, "free_s1"), EntryOutcome.Ok, "entry entry_free_s1 accepted in contest c1", null),
        ("a free entry naming another submission is refused",
            c => Free(c, "free_s0"), EntryOutcome.PaymentNotFound,
            "a free entry names its own submission: 'free_s1', not 'free_s0'", null),
        ("a free entry to a paid contest is refused, naming the fee",
            c => Free(c, "free_s1") with { Context = c.Context }, EntryOutcome.PaymentNotFound,
            "'free_s1' names no payment, and contest c1 is not free to enter: its entry fee is 10.00 USD", null),
        ("a payment to a free contest is refunded: it pays nothing",
            c => c with { Context = c.Context with { Contest = FreeFantasy } }, EntryOutcome.PaymentAmountMismatch,
            "PaymentIntent pi_1 amount_received 1,000 is not contest c1's entryFeeMinor 0", (1_000, "USD")),
        ("a free entry still keeps the lineup rules",
            c => Free(c with { Submission = c.Submission with { Lineup = ["a1"] } }, "free_s1"),
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup has 1 athlete; contest c1 needs exactly 3", null),
        ("the same payment submitted again is the same entry, even after lock", c => c with
            { Context = c.Context with { PriorUse = new("c1", "p1", ["a1", "a2", "b1"], false), EntriesClosed = true },
                Now = LockAt.AddHours(1) },
            EntryOutcome.AlreadyEntered, "PaymentIntent pi_1 is already entry entry_pi_1 in contest c1", null),
        ("a payment that is already an entry cannot pay for another lineup",
            c => c with { Context = c.Context with { PriorUse = new("c1", "p1", ["a1", "a2", "a3"], false) } },
            EntryOutcome.PaymentAlreadyUsed, "PaymentIntent pi_1 already pays for entry entry_pi_1 in contest c1 for " +
                "player p1 with another lineup", null),
        ("a payment that is already an entry elsewhere cannot pay here",
            c => c with { Context = c.Context with { PriorUse = new("c0", "p1", ["a1"], false) } },
            EntryOutcome.PaymentAlreadyUsed,
            "PaymentIntent pi_1 already pays for entry entry_pi_1 in contest c0 for player p1", null),
        ("a payment already refunded cannot become an entry",
            c => c with { Context = c.Context with { PriorUse = new("c1", "p1", null, true) } },
            EntryOutcome.PaymentAlreadyUsed,
            "PaymentIntent pi_1 was already refunded for an earlier submission to contest c1", null),

        ("an entry to an unknown contest is refunded when the payment is verified",
            c => c with { Context = c.Context with { Contest = null } },
            EntryOutcome.ContestUnknown, "contest 'c1' is not a scheduled contest", (1_000, "USD")),
        ("an entry to an unknown contest paid for another contest is not refunded",
            c => c with { Context = c.Context with { Contest = null }, Payment = Meta("c2", "p1") },
            EntryOutcome.ContestUnknown, "contest 'c1' is not a scheduled contest", null),
        ("an entry to an unknown contest paid by another player is not refunded",
            c => c with { Context = c.Context with { Contest = null }, Payment = Meta("c1", "p2") },
            EntryOutcome.ContestUnknown, "contest 'c1' is not a scheduled contest", null),
        ("an entry to an unknown contest with a payment Stripe does not know is not refunded",
            c => c with { Context = c.Context with { Contest = null }, Payment = null },
            EntryOutcome.ContestUnknown, "contest 'c1' is not a scheduled contest", null),
        ("an entry to a cancelled contest is refunded", c => c with { Context = c.Context with { Cancelled = true } },
            EntryOutcome.ContestCancelled, "contest c1 is cancelled", (1_000, "USD")),
        ("an entry at lock time is refunded", c => c with { Now = LockAt },
            EntryOutcome.ContestClosed, "contest c1 locked at 2026-11-21T18:00:00.000Z; the submission was made at " +
                "2026-11-21T18:00:00.000Z", (1_000, "USD")),
        ("an entry after entries closed early is refunded",
            c => c with { Context = c.Context with { EntriesClosed = true } },
            EntryOutcome.ContestClosed, "contest c1 closed entries before its lockAt 2026-11-21T18:00:00.000Z",
            (1_000, "USD")),
        ("a late entry whose payment did not succeed is not refunded", c =>
            c with { Now = LockAt.AddSeconds(1), Payment = Payment with { Status = "processing", AmountReceived = 0 } },
            EntryOutcome.ContestClosed,
            "contest c1 locked at 2026-11-21T18:00:00.000Z; the submission was made at 2026-11-21T18:00:01.000Z", null),
        ("a late entry refunds what was received, whatever the fee",
            c => c with { Now = LockAt, Payment = Payment with { Amount = 1_500, AmountReceived = 1_500 } },
            EntryOutcome.ContestClosed, "contest c1 locked at 2026-11-21T18:00:00.000Z; the submission was made at " +
                "2026-11-21T18:00:00.000Z", (1_500, "USD")),

        ("a payment Stripe does not know is rejected", c => c with { Payment = null },
            EntryOutcome.PaymentNotFound, "PaymentIntent 'pi_1' was not found at Stripe", null),
        ("a payment that did not succeed is rejected without a refund",
            c => c with { Payment = Payment with { Status = "requires_payment_method", AmountReceived = 0 } },
            EntryOutcome.PaymentNotSucceeded,
            "PaymentIntent pi_1 status is 'requires_payment_method', not 'succeeded'", null),
        ("a payment still processing is rejected without a refund",
            c => c with { Payment = Payment with { Status = "processing" } },
            EntryOutcome.PaymentNotSucceeded, "PaymentIntent pi_1 status is 'processing', not 'succeeded'", null),
        ("a payment for another contest is not refunded here", c => c with { Payment = Meta("c2", "p1") },
            EntryOutcome.PaymentForAnotherContest, "PaymentIntent pi_1 metadata contest_id is 'c2', not 'c1'", null),
        ("a payment naming no contest is not refunded here", c => c with { Payment = Meta(null, "p1") },
            EntryOutcome.PaymentForAnotherContest,
            "PaymentIntent pi_1 metadata has no contest_id; expected 'c1'", null),
        ("a payment by another player is not refunded here", c => c with { Payment = Meta("c1", "p2") },
            EntryOutcome.PaymentForAnotherPlayer, "PaymentIntent pi_1 metadata player_id is 'p2', not 'p1'", null),
        ("a payment naming no player is not refunded here", c => c with { Payment = Meta("c1", null) },
            EntryOutcome.PaymentForAnotherPlayer, "PaymentIntent pi_1 metadata has no player_id; expected 'p1'", null),
        ("a payment whose charge is disputed is rejected without a refund",
            c => c with { Payment = WithCharge(Charge with { Disputed = true }) },
            EntryOutcome.PaymentRefundedOrDisputed, "PaymentIntent pi_1's charge ch_1 is disputed", null),
        ("a payment whose charge was refunded in part is rejected without a refund",
            c => c with { Payment = WithCharge(Charge with { AmountRefunded = 1 }) },
            EntryOutcome.PaymentRefundedOrDisputed, "PaymentIntent pi_1's charge ch_1 was refunded (1 of 1,000)", null),
        ("a payment whose charge was refunded in full is rejected without a refund",
            c => c with { Payment = WithCharge(Charge with { AmountRefunded = 1_000, Refunded = true }) },
            EntryOutcome.PaymentRefundedOrDisputed,
            "PaymentIntent pi_1's charge ch_1 was refunded (1,000 of 1,000)", null),
        ("a payment read without its charge cannot be verified", c => c with { Payment = WithCharge(null) },
            EntryOutcome.PaymentRefundedOrDisputed,
            "PaymentIntent pi_1 has no charge that could be read with it (latest_charge 'ch_1')", null),
        ("another player is named before a dispute",
            c => c with { Payment = Meta("c1", "p2") with { LatestCharge = Charge with { Disputed = true } } },
            EntryOutcome.PaymentForAnotherPlayer, "PaymentIntent pi_1 metadata player_id is 'p2', not 'p1'", null),
        ("a payment of the wrong amount is refunded in full",
            c => c with { Payment = Payment with { Amount = 500, AmountReceived = 500 } },
            EntryOutcome.PaymentAmountMismatch,
            "PaymentIntent pi_1 amount_received 500 is not contest c1's entryFeeMinor 1,000", (500, "USD")),
        ("a payment in the wrong currency is refunded in its own currency",
            c => c with { Payment = Payment with { Currency = "eur" } },
            EntryOutcome.PaymentCurrencyMismatch, "PaymentIntent pi_1 currency 'eur' is not contest c1's currency USD",
            (1_000, "EUR")),
        ("currencies compare without case, as Stripe writes them in lower case",
            c => c with { Payment = Payment with { Currency = "USD" } },
            EntryOutcome.Ok, "entry entry_pi_1 accepted in contest c1", null),
        ("the wrong amount is named before the wrong currency",
            c => c with { Payment = Payment with { AmountReceived = 900, Currency = "eur" } },
            EntryOutcome.PaymentAmountMismatch,
            "PaymentIntent pi_1 amount_received 900 is not contest c1's entryFeeMinor 1,000", (900, "EUR")),
        ("another player is named before the wrong amount",
            c => c with { Payment = Meta("c1", "p2") with { AmountReceived = 900 } },
            EntryOutcome.PaymentForAnotherPlayer, "PaymentIntent pi_1 metadata player_id is 'p2', not 'p1'", null),

        ("a short lineup is refunded", c => c with { Submission = c.Submission with { Lineup = ["a1", "b1"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup has 2 athletes; contest c1 needs exactly 3",
            (1_000, "USD")),
        ("a missing fantasy lineup is refunded", c => c with { Submission = c.Submission with { Lineup = null } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup is empty; contest c1 needs exactly 3 athletes",
            (1_000, "USD")),
        ("an athlete picked twice is refunded",
            c => c with { Submission = c.Submission with { Lineup = ["a1", "b1", "a1"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup[2] 'a1' repeats lineup[0]", (1_000, "USD")),
        ("an athlete from a game the contest does not cover is refunded",
            c => c with { Submission = c.Submission with { Lineup = ["a1", "b1", "z1"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup[2] 'z1' is not on the roster of any game of " +
                "contest c1 (g1, g2)", (1_000, "USD")),
        ("every lineup problem is named",
            c => c with { Submission = c.Submission with { Lineup = ["a1", "", "a1", "x9"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup has 4 athletes; contest c1 needs exactly 3 " +
                "| lineup[1] is missing | lineup[2] 'a1' repeats lineup[0] | lineup[3] 'x9' is not on the roster of " +
                "any game of contest c1 (g1, g2)", (1_000, "USD")),
        ("a fitness entry with a lineup is refunded", c => c with { Context = c.Context with { Contest = Fitness } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup lists 3 athletes; a fitness challenge takes none, " +
                "players score their own stats", (1_000, "USD")),
        ("a fitness entry without a lineup is accepted", c =>
            c with { Context = c.Context with { Contest = Fitness }, Submission = c.Submission with { Lineup = null } },
            EntryOutcome.Ok, "entry entry_pi_1 accepted in contest c1", null),
        ("a fitness entry with an empty lineup is accepted", c =>
            c with { Context = c.Context with { Contest = Fitness }, Submission = c.Submission with { Lineup = [] } },
            EntryOutcome.Ok, "entry entry_pi_1 accepted in contest c1", null),

        ("a player at the per-player limit is refunded",
            c => c with { Context = c.Context with { PlayerAcceptedEntries = 2, ContestAcceptedEntries = 2 } },
            EntryOutcome.PlayerEntryLimitReached,
            "player p1 already has 2 entries in contest c1; maxEntriesPerPlayer is 2", (1_000, "USD")),
        ("a player below the limit is accepted",
            c => c with { Context = c.Context with { PlayerAcceptedEntries = 1, ContestAcceptedEntries = 2 } },
            EntryOutcome.Ok, "entry entry_pi_1 accepted in contest c1", null),
        ("an entry to a full contest is refunded",
            c => c with { Context = c.Context with { ContestAcceptedEntries = 3 } },
            EntryOutcome.ContestFull, "contest c1 is full: 3 entries of maxEntries 3", (1_000, "USD")),
        ("the per-player limit is named before a full contest",
            c => c with { Context = c.Context with { PlayerAcceptedEntries = 2, ContestAcceptedEntries = 3 } },
            EntryOutcome.PlayerEntryLimitReached,
            "player p1 already has 2 entries in contest c1; maxEntriesPerPlayer is 2", (1_000, "USD")),
        ("an invalid lineup is named before a full contest", c => c with
            { Context = c.Context with { ContestAcceptedEntries = 3 },
                Submission = c.Submission with { Lineup = ["a1"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup has 1 athlete; contest c1 needs exactly 3",
            (1_000, "USD")),
        ("a player in a cooling-off is refunded", c => c with
            { Context = c.Context with { Limits = Limits(0, 0) with
                { Limits = Unlimited with { Exclusion = "cooling_off", ExcludedUntil = LockAt.AddDays(7) } } } },
            EntryOutcome.PlayerExcluded, "player p1 is in a cooling-off until 2026-11-28T18:00:00.000Z: no entry is " +
                "taken before then", (1_000, "USD")),
        ("a self-excluded player is refunded, before the per-player limit", c => c with
            { Context = c.Context with { PlayerAcceptedEntries = 2, Limits = Limits(0, 0) with
                { Limits = Unlimited with { Exclusion = "self_exclusion", ExcludedUntil = LockAt.AddDays(180) } } } },
            EntryOutcome.PlayerExcluded, "player p1 is in a self-exclusion until 2027-05-20T18:00:00.000Z: no entry " +
                "is taken before then", (1_000, "USD")),
        ("an entry fee past the daily limit is refunded",
            c => c with { Context = c.Context with { Limits = Limits(daySpent: 99_001, monthSpent: 99_001) } },
            EntryOutcome.PlayerSpendingLimitReached, "player p1 paid 990.01 USD in entry fees on 2026-11-21; this " +
                "entry's 10.00 USD would pass the daily limit of 1000.00 USD", (1_000, "USD")),
        ("an entry fee that reaches the daily limit exactly is accepted",
            c => c with { Context = c.Context with { Limits = Limits(daySpent: 99_000, monthSpent: 99_000) } },
            EntryOutcome.Ok, "entry entry_pi_1 accepted in contest c1", null),
        ("an entry fee past the monthly limit is refunded", c => c with
            { Context = c.Context with { Limits = Limits(daySpent: 0, monthSpent: 250_000) with
                { Limits = Unlimited with { MonthlyMinor = 250_500 } } } },
            EntryOutcome.PlayerSpendingLimitReached, "player p1 paid 2500.00 USD in entry fees in 2026-11; this " +
                "entry's 10.00 USD would pass the monthly limit of 2505.00 USD", (1_000, "USD")),
        ("an invalid lineup is named before a spending limit", c => c with
            { Context = c.Context with { Limits = Limits(100_000, 100_000) },
                Submission = c.Submission with { Lineup = ["a1"] } },
            EntryOutcome.LineupInvalid, "lineup is invalid: lineup has 1 athlete; contest c1 needs exactly 3",
            (1_000, "USD")),
        ("a spending limit is named before the per-player limit",
            c => c with { Context = c.Context with { PlayerAcceptedEntries = 2, Limits = Limits(100_000, 100_000) } },
            EntryOutcome.PlayerSpendingLimitReached, "player p1 paid 1000.00 USD in entry fees on 2026-11-21; this " +
                "entry's 10.00 USD would pass the daily limit of 1000.00 USD", (1_000, "USD")),
        ("a cancelled contest is named before lock",
            c => c with { Context = c.Context with { Cancelled = true }, Now = LockAt.AddDays(1) },
            EntryOutcome.ContestCancelled, "contest c1 is cancelled", (1_000, "USD")),
        ("a closed contest is named before a failed payment",
            c => c with { Now = LockAt, Payment = Payment with { Status = "canceled", AmountReceived = 0 } },
            EntryOutcome.ContestClosed,
            "contest c1 locked at 2026-11-21T18:00:00.000Z; the submission was made at 2026-11-21T18:00:00.000Z", null),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(row => row.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_submission_gets_its_outcome_reason_and_refund(string name)
    {
        var row = Table.Single(r => r.Name == name);
        var c = row.Change(Base);

        var decision = EntryChecks.Check(c.Submission, c.Payment?.ToStripe(), c.Context, c.Now);

        Assert.Equal(row.Outcome, decision.Outcome);
        Assert.Equal(row.Reason, decision.Reason);
        var expected = row.Refund is { } r
            ? new RefundOrdered("refund_pi_1", "c1", "p1", "pi_1", r.Amount, r.Currency, row.Reason)
            : null;
        Assert.Equal(expected, decision.Refund);
    }

    [Fact]
    public void Every_case_name_is_unique() =>
        Assert.Equal(Table.Length, Table.Select(r => r.Name).Distinct().Count());

    // Whether an outcome refunds a verified payment, decided once for every outcome: a new
    // outcome fails the completeness test below until someone decides.
    private static readonly Dictionary<EntryOutcome, bool> Refunds = new()
    {
        [EntryOutcome.AlreadyEntered] = false,
        [EntryOutcome.PaymentAlreadyUsed] = false,
        [EntryOutcome.ContestUnknown] = true,
        [EntryOutcome.ContestCancelled] = true,
        [EntryOutcome.ContestClosed] = true,
        [EntryOutcome.PaymentNotFound] = false,
        [EntryOutcome.PaymentNotSucceeded] = false,
        [EntryOutcome.PaymentForAnotherContest] = false,
        [EntryOutcome.PaymentForAnotherPlayer] = false,
        [EntryOutcome.PaymentRefundedOrDisputed] = false,
        [EntryOutcome.PaymentAmountMismatch] = true,
        [EntryOutcome.PaymentCurrencyMismatch] = true,
        [EntryOutcome.LineupInvalid] = true,
        [EntryOutcome.PlayerExcluded] = true,
        [EntryOutcome.PlayerSpendingLimitReached] = true,
        [EntryOutcome.PlayerEntryLimitReached] = true,
        [EntryOutcome.ContestFull] = true,
        [EntryOutcome.Ok] = false,
    };

    [Fact]
    public void Every_outcome_has_a_decided_refund_rule()
    {
        Assert.Equal(Enum.GetValues<EntryOutcome>().Order(), Refunds.Keys.Order());
        foreach (var (outcome, refunds) in Refunds)
            Assert.True(refunds == EntryChecks.RefundsVerifiedPayment(outcome),
                $"{outcome} should {(refunds ? "" : "not ")}refund a verified payment");
    }

    [Fact]
    public void Every_outcome_is_reached_by_some_case()
    {
        var reached = Table.Select(r => r.Outcome).ToHashSet();
        Assert.Equal(Enum.GetValues<EntryOutcome>().Order(), reached.Order());
    }

    [Fact]
    public void The_refund_id_is_one_per_payment_whatever_the_reason()
    {
        var late = EntryChecks.Check(Submission, Payment.ToStripe(), Open, LockAt);
        var full =
            EntryChecks.Check(Submission, Payment.ToStripe(), Open with { ContestAcceptedEntries = 3 }, BeforeLock);
        Assert.Equal(RefundOrdered.RefundIdFor("pi_1"), late.Refund!.RefundId);
        Assert.Equal(late.Refund.RefundId, full.Refund!.RefundId);
    }

    [Fact]
    public void A_payment_fetched_for_another_submission_is_a_bug()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            EntryChecks.Check(Submission, (Payment with { Id = "pi_2" }).ToStripe(), Open, BeforeLock));
        Assert.StartsWith("PaymentIntent pi_2 was fetched for a submission naming pi_1", ex.Message);
    }
}
