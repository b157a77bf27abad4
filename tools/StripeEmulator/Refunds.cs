using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>Refunds of the platform's payments, each taken from the platform's balance.</summary>
internal sealed class Refunds(EmulatorCore core, Balances balances, PaymentIntents intents)
{
    private static readonly Listing<Refund> Listed =
        new("/v1/refunds", "refund", r => r.Id, r => r.Created, r => r.ToJson());

    private readonly Dictionary<string, Refund> _byId = new(StringComparer.Ordinal);
    private readonly List<Refund> _all = [];

    public bool TryFind(string id, out Refund refund) => _byId.TryGetValue(id, out refund!);

    /// <summary>POST /v1/refunds: all that is left of the payment, or a part of it.</summary>
    public JsonObject Create(ApiCall call)
    {
        var p = call.Params.Expect("payment_intent", "amount", "metadata");
        var intent = intents.Find(p.RequiredText("payment_intent"), "payment_intent");
        var amount = p.Amount("amount");
        var metadata = p.Metadata();
        if (intent.ChargeId is null)
            throw ApiError.Refused("payment_intent_unexpected_state",
                $"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", "payment_intent");
        var left = intent.Amount - intent.AmountRefunded;
        if (left == 0)
            throw ApiError.Refused(StripeErrorCodes.ChargeAlreadyRefunded,
                $"Charge {intent.ChargeId} has already been refunded.");
        var refunded = amount ?? left;
        if (refunded > left)
            throw ApiError.Refused(StripeErrorCodes.AmountTooLarge,
                $"Refund amount ({refunded}) is greater than unrefunded amount on charge ({left})", "amount");

        var before = intent.ChargeJson();
        intent.AmountRefunded += refunded;
        // Stripe takes a refund from the available balance and lets it go negative
        // (recovered from pending funds or the bank) rather than refuse the customer.
        balances.Platform.Add(balances.Platform.Available, intent.Currency, -refunded);
        var refund = new Refund
        {
            Id = core.Ids.New("re_"), PaymentIntent = intent, Amount = refunded, Created = core.Clock.Now,
            Metadata = metadata, IdempotencyKey = call.IdempotencyKey,
        };
        _byId.Add(refund.Id, refund);
        _all.Add(refund);
        var after = intent.ChargeJson();
        core.Events.Emit("charge.refunded", after, null, EventLog.Changed(before, after), call);
        return refund.ToJson();
    }

    /// <summary>GET /v1/refunds/{id}</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        return ObjectLookup.Api(_byId, id, "refund").ToJson();
    }

    /// <summary>GET /v1/refunds: of one payment intent or charge, newest first.</summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("payment_intent", "charge");
        var intent = p.Text("payment_intent");
        var charge = p.Text("charge");
        return Listed.Page(_all, p, r => (intent is null || r.PaymentIntent.Id == intent)
            && (charge is null || r.PaymentIntent.ChargeId == charge));
    }

    public IReadOnlyList<RecordedRefund> Recorded() => [.. _all.Select(r => new RecordedRefund(r.Id,
        r.PaymentIntent.Id, r.Amount, r.PaymentIntent.Currency, r.IdempotencyKey, r.Metadata, r.Created))];
}
