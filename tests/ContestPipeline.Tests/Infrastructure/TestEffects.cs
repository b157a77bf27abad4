using System.Collections.Concurrent;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>The body of the test message type: a key, a per-key sequence number and a behaviour.</summary>
public sealed record TestEvent(string Key, int Seq, string? Behaviour = null)
{
    public const string Type = "TestEventHappened";
    /// <summary>Bad input: rejected on every attempt (dead-lettered at once).</summary>
    public const string Poison = "poison";
    /// <summary>Loses to a concurrent transaction on its first attempt only (a conflict, retried).</summary>
    public const string FlakyOnce = "flaky-once";
    /// <summary>Hits a bug in the handler, until the handler is fixed (<see cref="TestEffects.BugFixed"/>).</summary>
    public const string Bug = "bug";
    /// <summary>
    /// Applies, but the in-memory mirror of it fails after the commit (a bug that leaves memory and database
    /// disagreeing).
    /// </summary>
    public const string AfterCommitBug = "after-commit-bug";
    /// <summary>
    /// On its first attempt waits for the worker to stop (as a Stripe call does when cancelled), then applies normally.
    /// </summary>
    public const string SlowOnce = "slow-once";
    /// <summary>
    /// On its first attempt Postgres ends the handler's session (57P01, as a restart does), and
    /// the handler's next command meets the dead connection ("Connection is not open"); then applies normally.
    /// </summary>
    public const string LosesConnectionOnce = "loses-connection-once";

    public static OutgoingMessage Message(string topic, TestEvent body, string? messageId = null)
    {
        var id = messageId ?? $"test:{topic}:{body.Key}:{body.Seq}";
        return OutgoingMessage.Create(topic, body.Key,
            new Envelope(id, Type, 1, id, null, DateTimeOffset.UnixEpoch), body);
    }
}

/// <summary>
/// A handler with a small effect: one row per applied message, numbered in the order
/// applied, so tests can count duplicates and check per-key order.
/// </summary>
public class TestEffects(string schema) : IMessageHandler
{
    public static readonly Migration Migration = new("test/0001_effects", """
        CREATE TABLE effects (
            applied_order bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id    text    NOT NULL,
            msg_key       text    NOT NULL,
            seq           integer NOT NULL);
        """);

    protected readonly string Table = SqlNames.Identifier(schema) + ".effects";
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public string MessageType => TestEvent.Type;
    public int SchemaVersionMax => 1;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var body = message.Body<TestEvent>();
        var attempt = _attempts.AddOrUpdate(message.Envelope.MessageId, 1, (_, n) => n + 1);
        if (body.Behaviour == TestEvent.Poison)
            throw new MessageRejectedException($"poison message {body.Key}/{body.Seq}");
        if (body.Behaviour == TestEvent.FlakyOnce && attempt == 1)
            throw new ConcurrencyConflictException("flaky first attempt");
        if (body.Behaviour == TestEvent.Bug && !BugFixed)
            throw new InvalidOperationException($"bug on {body.Key}/{body.Seq}");
        if (body.Behaviour == TestEvent.AfterCommitBug)
            context.OnCommitted(() => throw new InvalidOperationException($"memory of {body.Key}/{body.Seq} broke"));
        if (body.Behaviour == TestEvent.LosesConnectionOnce && attempt == 1) await LoseConnectionAsync(context);
        if (body.Behaviour == TestEvent.SlowOnce && attempt == 1)
        {
            SlowStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }
        await context.Connection.ExecuteAsync(
            $"INSERT INTO {Table} (message_id, msg_key, seq) VALUES (@id, @key, @seq)",
            new { id = message.Envelope.MessageId, key = body.Key, seq = body.Seq }, context.Transaction);
    }

    /// <summary>
    /// Postgres ends the backend session under the transaction; what the work does next fails on the dead connection.
    /// </summary>
    public static async Task LoseConnectionAsync(TransactionContext context)
    {
        try
        {
            await using var terminate = new Npgsql.NpgsqlCommand("SELECT pg_terminate_backend(pg_backend_pid())",
                context.Connection, context.Transaction);
            await terminate.ExecuteNonQueryAsync();
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.AdminShutdown)
        {
            // The 57P01 itself is an outage by its code; what follows on the dead connection is not, by its type.
        }
        await using var next = new Npgsql.NpgsqlCommand("SELECT 1", context.Connection, context.Transaction);
        await next.ExecuteNonQueryAsync();
    }

    public int AttemptsOf(string messageId) => _attempts.GetValueOrDefault(messageId);

    /// <summary>Attempts at every message so far.</summary>
    public int Attempts => _attempts.Values.Sum();

    /// <summary>Set to deploy the fix: a message that hit the bug applies when it is read again.</summary>
    public bool BugFixed { get; set; }

    /// <summary>Completes when a slow-once message has started its first attempt.</summary>
    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The same effect, applied for a whole run of messages in one statement.</summary>
public sealed class BatchTestEffects(string schema) : TestEffects(schema), IBatchMessageHandler
{
    public int Runs { get; private set; }

    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var bodies = messages.Select(m => m.Body<TestEvent>()).ToList();
        if (bodies.Any(b => b.Behaviour == TestEvent.Poison))
            throw new MessageRejectedException("poison message in run");
        Runs++;
        await context.Connection.ExecuteAsync(
            $"INSERT INTO {Table} (message_id, msg_key, seq) SELECT * FROM unnest(@ids, @keys, @seqs)",
            new { ids = messages.Select(m => m.Envelope.MessageId).ToArray(),
                keys = bodies.Select(b => b.Key).ToArray(), seqs = bodies.Select(b => b.Seq).ToArray() },
            context.Transaction);
    }
}
