using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Ledger;
using Dapper;

namespace ContestPipeline.Settlement.Handlers;

public sealed class ContestScheduledHandler : IMessageHandler
{
    public string MessageType => ContestScheduled.MessageType;
    public int SchemaVersionMax => ContestScheduled.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Body<ContestScheduled>().Definition;
        await Settler.LockContestAsync(context, definition.ContestId);
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.contests (contest_id, definition, state) VALUES (@id, @definition::jsonb, 'OPEN') ON CONFLICT DO NOTHING
            """, new { id = definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json) }, context.Transaction);
    }
}

/// <summary>An accepted entry: its fee is in the platform's Stripe balance, held for the contest.</summary>
public sealed class EntryAcceptedHandler : IMessageHandler
{
    public string MessageType => EntryAccepted.MessageType;
    public int SchemaVersionMax => EntryAccepted.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var entry = message.Body<EntryAccepted>();
        if (!Currency.TryParse(entry.Currency, out var currency))
            throw new MessageRejectedException($"entry {entry.EntryId}: unsupported currency '{entry.Currency}'");
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency)
            VALUES (@EntryId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency) ON CONFLICT DO NOTHING
            """, entry, context.Transaction);
        if (inserted == 0) return;
        var fee = new Money(entry.AmountMinor, currency);
        await Journal.PostAsync(context, $"fee:{entry.EntryId}", entry.ContestId, "entry_fee_collected", $"entry fee of {entry.EntryId} ({entry.PaymentIntentId})",
            [Posting.Debit(Accounts.StripeBalance, fee), Posting.Credit(Accounts.EntryFees(entry.ContestId), fee)]);
        await Settler.TrySettleAsync(context, entry.ContestId);
    }
}

public sealed class ContestCompletedHandler : IMessageHandler
{
    public string MessageType => ContestCompleted.MessageType;
    public int SchemaVersionMax => ContestCompleted.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var completed = message.Body<ContestCompleted>();
        var updated = await context.Connection.ExecuteAsync(
            "UPDATE settlement.contests SET state = 'COMPLETE', completed = @completed::jsonb WHERE contest_id = @ContestId AND state = 'OPEN'",
            new { completed.ContestId, completed = JsonSerializer.Serialize(completed, OutgoingMessage.Json) }, context.Transaction);
        if (updated == 1) await Settler.TrySettleAsync(context, completed.ContestId);
    }
}

/// <summary>Of the transitions, settlement acts on CANCELLED: every entry is refunded.</summary>
public sealed class ContestStateChangedHandler : IMessageHandler
{
    public string MessageType => ContestStateChanged.MessageType;
    public int SchemaVersionMax => ContestStateChanged.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var change = message.Body<ContestStateChanged>();
        if (change.To == ContestLifecycle.Name(ContestState.Cancelled))
            await Settler.RefundAllAsync(context, change.ContestId, change.Reason);
    }
}

public sealed class FinalStandingsHandler : IMessageHandler
{
    public string MessageType => FinalStandingsPublished.MessageType;
    public int SchemaVersionMax => FinalStandingsPublished.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var chunk = message.Body<FinalStandingsPublished>();
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.standings_chunks (contest_id, chunk_index, chunk_count, rows) VALUES (@ContestId, @ChunkIndex, @ChunkCount, @rows::jsonb)
            ON CONFLICT DO NOTHING
            """, new { chunk.ContestId, chunk.ChunkIndex, chunk.ChunkCount, rows = JsonSerializer.Serialize(chunk.Rows, OutgoingMessage.Json) }, context.Transaction);
        await Settler.TrySettleAsync(context, chunk.ContestId);
    }
}
