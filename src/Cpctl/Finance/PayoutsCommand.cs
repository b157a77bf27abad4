using System.CommandLine;
using Confluent.Kafka;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// cpctl payouts: list payouts from Payout's own tables, and release or reject a held (or
/// failed) one. A decision is a message on payouts.due that names the payout only, so an
/// operator can never change an amount or a recipient, and the hold it decides with the
/// payout's version; Payout applies it through its inbox to that hold only and says what
/// became of it on payouts.status (or dead-letters it with the reason when it is stale).
/// </summary>
public static class PayoutsCommand
{
    public static Command Build()
    {
        var state = new Option<string?>("--state")
        {
            Description = "only payouts in this state (e.g. held, held:review, failed, awaiting_account)",
        };
        var contest = new Option<string?>("--contest") { Description = "only this contest's payouts" };
        var list = new Command("list", "list payouts with their state and why") { state, contest };
        list.SetAction((parse, ct) => ListAsync(parse.GetValue(state), parse.GetValue(contest), ct));
        var payouts = new Command("payouts",
            "inspect payouts; release or reject held ones (never change an amount or recipient); halt and resume")
        {
            list,
        };
        foreach (var (name, help) in new[]
                 {
                     ("release", "let a held or failed payout go " +
                         "(it skips the review and limit checks, never the account or balance)"),
                     ("reject", "never send a held, failed or waiting payout, or one claimed and not yet sent; " +
                         "the prize is withheld in the ledger"),
                 })
        {
            var payoutId = new Argument<string>("payout-id") { Description = "the payout (prize_...)" };
            var by = OperatorTool.OperatorOption("who decides");
            var why = new Option<string>("--reason") { Description = "why", Required = true };
            var decide = new Command(name, help) { payoutId, by, why };
            decide.SetAction((parse, ct) =>
                DecideAsync(parse.GetValue(payoutId)!, name, parse.GetValue(by)!, parse.GetValue(why)!, ct));
            payouts.Subcommands.Add(decide);
        }
        foreach (var (name, help) in new[]
                 {
                     ("halt", "emergency stop: Payout starts no new transfer or refund until resumed"),
                     ("resume", "resume automated transfers and refunds"),
                 })
        {
            var why = new Option<string>("--reason") { Description = "why (required)", Required = true };
            var by = OperatorTool.OperatorOption("who acts (recorded in the audit trail)");
            var command = new Command(name, help) { why, by };
            var halt = new Option<string?>("--halt")
            {
                Description = "the halt this resume ends (default: the halt in force, read from Payout)",
            };
            if (name == "resume") command.Options.Add(halt);
            command.SetAction((parse, ct) => DispatchAsync(name, parse.GetValue(why)!,
                parse.GetValue(by)!,
                name == "resume" ? parse.GetValue(halt) : null, ct));
            payouts.Subcommands.Add(command);
        }
        return payouts;
    }

    public static async Task<int> ListAsync(string? state, string? contest, CancellationToken ct)
    {
        var settings = Settings(out var error);
        if (settings is null) return await Fail("payouts", error!);
        await using var conn = new NpgsqlConnection(settings.PostgresConnectionString);
        await conn.OpenAsync(ct);
        var rows = await PayoutStore.ListAsync(conn, state, contest);
        Console.WriteLine(
            $"{"payout",-42} {"contest",-14} {"player",-12} {"amount",12} {"state",-22} {"version",7} reason");
        foreach (var r in rows)
            Console.WriteLine($"{r.PayoutId,-42} {r.ContestId,-14} {r.PlayerId,-12} " +
                $"{Money.Format(r.AmountMinor, r.Currency),12} " +
                $"{r.State + (r.HoldKind is null ? "" : ":" + r.HoldKind),-22} {r.Version,7} {r.Reason}");
        Console.WriteLine($"{rows.Count} payouts");
        return 0;
    }

    public static async Task<int> DecideAsync(
        string payoutId, string decision, string @operator, string reason, CancellationToken ct)
    {
        var settings = Settings(out var error);
        if (settings is null) return await Fail(decision, error!);
        if (OperatorTool.OperatorRefusal(@operator, OperatorTool.KeyOperator()) is { } refusal)
            return await Fail(decision, refusal);
        if (string.IsNullOrWhiteSpace(@operator) || string.IsNullOrWhiteSpace(reason))
            return await Fail(decision,
                "--operator and --reason are required: every decision says who made it and why");
        try
        {
            var (decisionId, hold, version) =
                await SendDecisionAsync(settings, payoutId, decision, @operator, reason, ct);
            // In the audit trail like the console's decisions: who decided what, and why.
            await using (var tool = await OperatorTool.OpenAsync("payouts " + decision, @operator))
                if (tool is not null)
                    await tool.AuditAsync(@operator, decisionId, "payout-" + decision, payoutId, reason,
                        $"{decision} of {hold} published", ct);
            Console.WriteLine($"{decision} of payout {payoutId} ({hold} at version {version}) " +
                $"sent as decision {decisionId}; follow it with: cpctl payouts list");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or StartupException)
        {
            return await Fail(decision, e.Message);
        }
    }

    /// <summary>
    /// Publishes the decision (after checking that the payout exists and is one a decision can
    /// move), naming the hold it decides and the payout's version as read now, so Payout
    /// applies it to that hold only; returns its id, and the hold and version it names.
    /// </summary>
    public static async Task<(string DecisionId, string Hold, int Version)> SendDecisionAsync(
        PipelineSettings settings, string payoutId, string decision, string @operator, string reason,
        CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(settings.PostgresConnectionString);
        await conn.OpenAsync(ct);
        var p = await PayoutStore.FindAsync(conn, payoutId)
            ?? throw new InvalidOperationException($"no payout {payoutId}");
        if (p.State is PayoutStatusNames.Paid or PayoutStatusNames.Rejected or PayoutStatusNames.Quarantined
            || (p.State == PayoutStatusNames.Submitting && decision != PayoutReviewDecided.Reject))
            throw new InvalidOperationException($"payout {payoutId} is {p.State}: there is nothing to {decision}");
        // Claimed and not yet called for, it can still be stopped; Payout checks again under the payout's lock.
        if (p.State == PayoutStatusNames.Submitting && p.MaybeSent)
            throw new InvalidOperationException($"payout {payoutId} is submitting and its transfer may have been " +
                "sent under its key: only Stripe's answer tells now; follow it with: cpctl payouts list");
        var decisionId = Guid.NewGuid().ToString("N");
        var hold = p.State == PayoutStatusNames.Held && p.HoldKind is not null ? p.HoldKind : p.State;
        var body = new PayoutReviewDecided(decisionId, payoutId, p.ContestId, decision, @operator, reason,
            OperatorTool.Clock.GetUtcNow(), hold, p.Version);
        var id = PayoutReviewDecided.MessageIdFor(decisionId);
        var message = OutgoingMessage.Create(Topics.PayoutsDue, p.ContestId,
            new Envelope(id, PayoutReviewDecided.MessageType, PayoutReviewDecided.SchemaVersion, id, null,
                body.DecidedAt), body);
        // Signed with the operator producer's key and the operator's own: Payout applies no decision that is not.
        var signer = OperatorTool.Signer(settings, @operator);
        message = message with
        {
            Headers = signer.Sign(Topics.PayoutsDue, message.Key, message.Headers, message.Payload),
        };
        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(settings.KafkaBootstrapServers, "cpctl.payouts"), NullLogger.Instance);
        await producer.ProduceAsync(Topics.PayoutsDue, KafkaClients.Message(message), ct);
        return (decisionId, hold, p.Version);
    }

    private static PipelineSettings? Settings(out string? error)
    {
        try
        {
            error = null;
            return PipelineSettings.Resolve();
        }
        catch (StartupException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static async Task<int> Fail(string what, string message)
    {
        await Console.Error.WriteLineAsync($"payouts {what}: {message}");
        return 1;
    }

    /// <summary>
    /// Publishes a halt, or a resume naming the halt it ends (the one in force as Payout has it,
    /// unless <paramref name="halt"/> names one), on payouts.control: Payout applies a resume
    /// only to the halt in force, so one sent twice, or after another halt, ends nothing.
    /// </summary>
    public static async Task<int> DispatchAsync(string action, string reason, string @operator, string? halt,
        CancellationToken ct)
    {
        var command = "payouts " + action;
        await using var tool = await OperatorTool.OpenAsync(command, @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason)) return await OperatorTool.FailAsync(command, "--reason is required");
        string? ends = null;
        if (action == PayoutDispatchDecided.Resume)
        {
            await using var conn = new NpgsqlConnection(tool.Settings.PostgresConnectionString);
            await conn.OpenAsync(ct);
            var (halted, inForce) = await PayoutStore.DispatchAsync(conn);
            if (!halted) return await OperatorTool.FailAsync(command, "payouts are not halted: nothing to resume");
            if (halt is not null && halt != inForce)
                return await OperatorTool.FailAsync(command,
                    $"halt {halt} is not the halt in force ({inForce}): " +
                    "look again, and resume that one if it should end");
            ends = inForce;
        }
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.PayoutsControl, PayoutDispatchDecided.Key,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, @operator, reason, OperatorTool.Clock.GetUtcNow(), ends), ct);
        await tool.AuditAsync(@operator, id, "payouts-" + action, ends is null ? "payouts" : "halt " + ends, reason,
            action + " published", ct);
        Console.WriteLine(action == PayoutDispatchDecided.Halt
            ? $"halt {id} sent: Payout starts no new transfer or refund within seconds (a call in flight completes) " +
                "and says so on payouts.status"
            : $"resume of halt {ends} sent: Payout resumes automated transfers and refunds " +
                "if that halt is still the one in force");
        return 0;
    }
}
