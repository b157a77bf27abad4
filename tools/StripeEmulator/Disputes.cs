using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>Disputes of the platform's payments: opened and closed by test control, read over /v1.</summary>
internal sealed class Disputes(EmulatorCore core, Balances balances, PaymentIntents intents)
{
    private static readonly Listing<Dispute> Listed =
        new("/v1/disputes", "dispute", d => d.Id, d => d.Created, d => d.ToJson());

    private readonly Dictionary<string, Dispute> _byId = new(StringComparer.Ordinal);
    private readonly List<Dispute> _all = [];

    public bool TryFind(string id, out Dispute dispute) => _byId.TryGetValue(id, out dispute!);

    /// <summary>GET /v1/disputes/{id}: a dispute as it stands now; its status moves by <see cref="Close"/>.</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        return ObjectLookup.Api(_byId, id, "dispute").ToJson();
    }

    /// <summary>GET /v1/disputes: of one payment intent or charge, newest first.</summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("payment_intent", "charge");
        var intent = p.Text("payment_intent");
        var charge = p.Text("charge");
        return Listed.Page(_all, p, d => (intent is null || d.PaymentIntent.Id == intent)
            && (charge is null || d.PaymentIntent.ChargeId == charge));
    }

    /// <summary>
    /// Stripe's dispute fee, in minor units of the payment's currency: taken with the withdrawal, and kept when the
    /// dispute is won (Stripe gives it back only in some countries; the pipeline books what the dispute's balance
    /// transactions say, either way).
    /// </summary>
    public const long FeeMinor = 1_500;

    /// <summary>
    /// Opens a dispute on a succeeded payment (charge.dispute.created). Stripe withdraws the disputed amount and its
    /// fee from the platform at once and returns the amount if the dispute is won: each movement a balance
    /// transaction listed on the dispute.
    /// </summary>
    public string Open(string paymentIntentId, long? amount, string reason)
    {
        lock (core.Gate)
        {
            var intent = intents.Control(paymentIntentId);
            if (intent.ChargeId is null)
                throw new InvalidOperationException($"{intent.Id} has no successful charge to dispute");
            var disputed = amount ?? intent.Amount;
            if (disputed < 1 || disputed > intent.Amount)
                throw new ArgumentOutOfRangeException(nameof(amount), disputed, $"1..{intent.Amount}");
            intent.Disputed = true;
            var dispute = new Dispute
            {
                Id = core.Ids.New("dp_"), PaymentIntent = intent, Amount = disputed, Reason = reason,
                Created = core.Clock.Now,
            };
            Move(dispute, -disputed, FeeMinor);
            _byId.Add(dispute.Id, dispute);
            _all.Add(dispute);
            core.Events.Emit("charge.dispute.created", dispute.ToJson(), null, null, null);
            return dispute.Id;
        }
    }

    /// <summary>Closes a dispute (charge.dispute.closed); a won dispute returns the amount.</summary>
    public void Close(string disputeId, bool won)
    {
        lock (core.Gate)
        {
            var dispute = ObjectLookup.Control(_byId, disputeId);
            if (dispute.Status != "needs_response")
                throw new InvalidOperationException($"dispute {dispute.Id} is already {dispute.Status}");
            var before = dispute.ToJson();
            dispute.Status = won ? "won" : "lost";
            if (won) Move(dispute, dispute.Amount, 0);
            var after = dispute.ToJson();
            core.Events.Emit("charge.dispute.closed", after, null, EventLog.Changed(before, after), null);
        }
    }

    private void Move(Dispute dispute, long amount, long fee)
    {
        var funds = new DisputeFunds(core.Ids.New("txn_"), amount, fee, core.Clock.Now);
        dispute.Funds.Add(funds);
        balances.Platform.Add(balances.Platform.Available, dispute.PaymentIntent.Currency, funds.Net);
    }
}
