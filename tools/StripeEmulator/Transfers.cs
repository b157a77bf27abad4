using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Transfers from the platform's balance to connected accounts, and their reversals: money between Stripe
/// accounts, moved at once. Test control can make a transfer fail as legacy transfers could (transfer.failed, its
/// money back on the platform), to see how retries go.
/// </summary>
internal sealed class Transfers(EmulatorCore core, Balances balances, Accounts accounts)
{
    private readonly List<Transfer> _all = [];
    private readonly Dictionary<string, Transfer> _byId = new(StringComparer.Ordinal);
    private readonly List<TransferReversal> _reversals = [];
    private readonly TransferFailures _failures = new();

    public int Count => _all.Count;

    public bool TryFind(string id, out Transfer transfer) => _byId.TryGetValue(id, out transfer!);

    /// <summary>POST /v1/transfers: refused unless the destination can receive and the platform can pay.</summary>
    public JsonObject Create(ApiCall call)
    {
        var p = call.Params.Expect("amount", "currency", "destination", "transfer_group", "description", "metadata");
        var amount = p.RequiredAmount("amount");
        var currency = p.RequiredCurrency();
        var destination = accounts.Find(p.RequiredText("destination"), "destination", "destination");
        var metadata = p.Metadata();
        if (!destination.CanReceiveTransfers)
            throw ApiError.Refused(StripeErrorCodes.InsufficientCapabilitiesForTransfer,
                "Your destination account needs to have at least one of the following capabilities enabled: " +
                "transfers, crypto_transfers, legacy_payments", "destination");
        if (balances.Platform.AvailableIn(currency) < amount)
            throw ApiError.Refused(StripeErrorCodes.BalanceInsufficient,
                "You have insufficient available funds in your Stripe account. You can use the /v1/balance " +
                "endpoint to view your Stripe balance.");

        balances.Platform.Add(balances.Platform.Available, currency, -amount);
        destination.Balance.Add(destination.Balance.Available, currency, amount);
        var transfer = new Transfer
        {
            Id = core.Ids.New("tr_"), Amount = amount, Currency = currency, Destination = destination.Id,
            TransferGroup = p.Text("transfer_group"), Description = p.Text("description"), Created = core.Clock.Now,
            Metadata = metadata, IdempotencyKey = call.IdempotencyKey, DestinationPayment = core.Ids.New("py_"),
        };
        _all.Add(transfer);
        _byId.Add(transfer.Id, transfer);
        var created = transfer.ToJson();
        core.Events.Emit("transfer.created", created, null, null, call);
        // A transfer set to fail is answered as made, then fails: its event may reach the platform first.
        if (_failures.Take(destination.Id) is { } failureCode) FailNow(transfer, failureCode);
        return created;
    }

    /// <summary>GET /v1/transfers/{id}</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        return ObjectLookup.Api(_byId, id, "transfer").ToJson();
    }

    private static readonly Listing<Transfer> Listed =
        new("/v1/transfers", "transfer", t => t.Id, t => t.Created, t => t.ToJson());

    /// <summary>GET /v1/transfers: of one transfer group, to one destination, newest first.</summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("transfer_group", "destination");
        var group = p.Text("transfer_group");
        var destination = p.Text("destination");
        return Listed.Page(_all, p, t => (group is null || t.TransferGroup == group)
            && (destination is null || t.Destination == destination));
    }

    /// <summary>GET /v1/transfers/{id}/reversals: the transfer's reversals, newest first.</summary>
    public JsonObject ListReversals(string transferId, ApiCall call)
    {
        var p = call.Params.ExpectList();
        var transfer = ObjectLookup.Api(_byId, transferId, "transfer");
        return new Listing<TransferReversal>($"/v1/transfers/{transfer.Id}/reversals", "transfer_reversal",
            r => r.Id, r => r.Created, r => r.ToJson()).Page(transfer.Reversals, p);
    }

    /// <summary>
    /// POST /v1/transfers/{id}/reversals: all that is left of the transfer, or a part of it, taken back from the
    /// connected account's balance (refused when that balance cannot cover it).
    /// </summary>
    public JsonObject Reverse(string transferId, ApiCall call)
    {
        var p = call.Params.Expect("amount", "description", "metadata");
        var transfer = ObjectLookup.Api(_byId, transferId, "transfer");
        var amount = p.Amount("amount");
        var metadata = p.Metadata();
        var left = transfer.Amount - transfer.AmountReversed;
        var reversed = amount ?? left;
        if (left == 0 || reversed > left)
            throw ApiError.Refused(StripeErrorCodes.AmountTooLarge,
                $"Reversal amount ({reversed}) is greater than the amount left on transfer {transfer.Id} ({left}).",
                "amount");
        var destination = accounts.Control(transfer.Destination);
        if (destination.Balance.AvailableIn(transfer.Currency) < reversed)
            throw ApiError.Refused(StripeErrorCodes.BalanceInsufficient,
                $"The destination account {destination.Id} has insufficient funds to reverse this transfer.");

        var before = transfer.ToJson();
        var reversal = TakeBack(transfer, destination, reversed, metadata, call.IdempotencyKey);
        var after = transfer.ToJson();
        core.Events.Emit("transfer.reversed", after, null, EventLog.Changed(before, after), call);
        return reversal.ToJson();
    }

    /// <summary>
    /// Fails a transfer as a legacy one could fail (transfer.failed with its failure code): what is left of it
    /// comes back from the connected account to the platform, as a reversal.
    /// </summary>
    public void Fail(string transferId, string failureCode)
    {
        FailureCodes.Message(failureCode);
        lock (core.Gate) FailNow(ObjectLookup.Control(_byId, transferId), failureCode);
    }

    /// <summary>
    /// The next <paramref name="count"/> transfers (to <paramref name="destination"/>, or any) fail as they are made.
    /// </summary>
    public void FailNext(string failureCode, int count, string? destination)
    {
        lock (core.Gate) _failures.Add(failureCode, count, destination);
    }

    private void FailNow(Transfer transfer, string failureCode)
    {
        if (transfer.FailureCode is not null)
            throw new InvalidOperationException($"transfer {transfer.Id} already failed ({transfer.FailureCode})");
        var destination = accounts.Control(transfer.Destination);
        var left = transfer.Amount - transfer.AmountReversed;
        var held = destination.Balance.AvailableIn(transfer.Currency);
        if (held < left)
            throw new InvalidOperationException(
                $"account {destination.Id} holds {held} {transfer.Currency}, less than the {left} transfer " +
                $"{transfer.Id} would take back");
        var before = transfer.ToJson();
        if (left > 0) TakeBack(transfer, destination, left, new Dictionary<string, string>(), null);
        transfer.FailureCode = failureCode;
        var after = transfer.ToJson();
        core.Events.Emit("transfer.failed", after, null, EventLog.Changed(before, after), null);
    }

    /// <summary>Moves <paramref name="amount"/> of a transfer back from its account to the platform.</summary>
    private TransferReversal TakeBack(Transfer transfer, Account destination, long amount,
        IReadOnlyDictionary<string, string> metadata, string? idempotencyKey)
    {
        destination.Balance.Add(destination.Balance.Available, transfer.Currency, -amount);
        balances.Platform.Add(balances.Platform.Available, transfer.Currency, amount);
        var reversal = new TransferReversal
        {
            Id = core.Ids.New("trr_"), Transfer = transfer, Amount = amount, Created = core.Clock.Now,
            Metadata = metadata, IdempotencyKey = idempotencyKey,
        };
        transfer.Reversals.Add(reversal);
        _reversals.Add(reversal);
        return reversal;
    }

    public IReadOnlyList<RecordedTransfer> Recorded() => [.. _all.Select(t => new RecordedTransfer(t.Id, t.Amount,
        t.Currency, t.Destination, t.TransferGroup, t.IdempotencyKey, t.Metadata, t.Created))];

    public IReadOnlyList<RecordedReversal> RecordedReversals() => [.. _reversals.Select(r => new RecordedReversal(
        r.Id, r.Transfer.Id, r.Amount, r.Transfer.Currency, r.IdempotencyKey, r.Metadata, r.Created))];
}
