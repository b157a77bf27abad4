using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using Spectre.Console;
using ContestPipeline.Operations.Queries.Contests;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// cpctl make-goods, at parity with the console's contest page: what a correction after COMPLETE
/// would owe (Settlement's assessment), a proposal to pay it, and the second approver's
/// confirmation. Two different operators, or nothing is booked: the check here is a courtesy,
/// Settlement refuses a confirmation by the proposer whatever sends it.
/// </summary>
public static class MakeGoodsCommand
{
    public static Command Build()
    {
        var showId = new Argument<string>("contest-id");
        var show = new Command("show", "a contest's make-good assessments, proposals and confirmations") { showId };
        show.SetAction((parse, ct) => ShowAsync(parse.GetValue(showId)!, ct));

        var proposeId = new Argument<string>("contest-id");
        var report = new Option<int>("--report")
        {
            Description = "the assessment's corrections-so-far number (see show)", Required = true,
        };
        var reason = new Option<string>("--reason") { Description = "why (required)", Required = true };
        var by = OperatorTool.OperatorOption("who proposes (recorded in the audit trail)");
        var propose = new Command("propose",
            "propose paying an assessment's make-goods (platform-funded); a second operator confirms")
        {
            proposeId, report, reason, by,
        };
        propose.SetAction((parse, ct) => ProposeAsync(parse.GetValue(proposeId)!, parse.GetValue(report),
            parse.GetValue(reason)!, parse.GetValue(by)!, ct));

        var confirmId = new Argument<string>("contest-id");
        var proposal = new Argument<string>("proposal-id");
        var confirmReason = new Option<string>("--reason") { Description = "why (required)", Required = true };
        var confirmBy = OperatorTool.OperatorOption("who confirms: not the proposer");
        var confirm = new Command("confirm",
            "confirm another operator's proposal: Settlement books each make-good once")
        {
            confirmId, proposal, confirmReason, confirmBy,
        };
        confirm.SetAction((parse, ct) => ConfirmAsync(parse.GetValue(confirmId)!, parse.GetValue(proposal)!,
            parse.GetValue(confirmReason)!, parse.GetValue(confirmBy)!, ct));
        return new Command("make-goods", "make-goods after a correction to a COMPLETE contest: show, propose, confirm")
        {
            show, propose, confirm,
        };
    }

    public static async Task<int> ShowAsync(string contestId, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("make-goods show");
        if (tool is null) return 2;
        var rows = await new ContestReadStore(tool.ReadModel).MakeGoodsAsync(contestId);
        if (rows.Count == 0)
        {
            Console.WriteLine($"no make-good assessment for {contestId}: no correction after COMPLETE owes anything");
            return 0;
        }
        foreach (var group in rows.GroupBy(r => r.CorrectionsSoFar))
        {
            var a = JsonSerializer.Deserialize<MakeGoodsAssessed>(group.First().Assessment, OutgoingMessage.Json)!;
            Console.WriteLine($"report {a.CorrectionsSoFar}: {MoneyCommands.Amount(a.TotalMinor, a.Currency)} " +
                $"owed to {a.Items.Count} entries" +
                (a.Complete ? "" : $" (incomplete: {a.Note})"));
            var table = new Table().AddColumns("entry", "player", "official rank", "corrected rank", "official net",
                "corrected net", "make-good");
            foreach (var i in a.Items)
                table.AddRow(Markup.Escape(i.EntryId), Markup.Escape(i.PlayerId), N(i.OfficialRank), N(i.CorrectedRank),
                    MoneyCommands.Amount(i.OfficialNetMinor, a.Currency),
                    MoneyCommands.Amount(i.CorrectedNetMinor, a.Currency),
                    MoneyCommands.Amount(i.MakeGoodMinor, a.Currency));
            AnsiConsole.Write(table);
            foreach (var p in group.Where(r => r.ProposalId is not null))
                Console.WriteLine($"  proposal {p.ProposalId} by {p.ProposedBy} ({p.ProposalReason}): " +
                    (p.ConfirmedBy is null ? "waiting for a second operator" : $"confirmed by {p.ConfirmedBy}"));
        }
        return 0;
    }

    public static async Task<int> ProposeAsync(
        string contestId, int report, string reason, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("make-goods propose", @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync("make-goods propose", "--reason is required");
        var assessed = (await new ContestReadStore(tool.ReadModel).MakeGoodsAsync(contestId))
            .FirstOrDefault(m => m.CorrectionsSoFar == report);
        if (assessed is null)
            return await OperatorTool.FailAsync("make-goods propose", $"no assessment {report} for {contestId}");
        var a = JsonSerializer.Deserialize<MakeGoodsAssessed>(assessed.Assessment, OutgoingMessage.Json)!;
        var id = OperatorTool.NewId();
        // Sealed for Payout, which pays the make-good only under the proposer's and the confirmer's seals.
        var terms = MakeGoodTerms.Of(id, contestId, report, a.TotalMinor, a.Currency, a.Items);
        await tool.PublishAsync(Topics.Operations, contestId, MakeGoodProposed.MessageIdFor(id),
            new MakeGoodProposed(id, contestId, report, a.TotalMinor, a.Currency, @operator, reason,
                OperatorTool.Clock.GetUtcNow(), MakeGoodSeals.Seal(tool.Key, contestId, terms)), ct);
        await tool.AuditAsync(@operator, id, "make-good-propose", contestId, reason,
            $"proposed {a.TotalMinor} {a.Currency} for report {report}", ct);
        Console.WriteLine($"proposal {id} sent: {MoneyCommands.Amount(a.TotalMinor, a.Currency)}; " +
            "a second operator confirms with: " +
            $"cpctl make-goods confirm {contestId} {id} --reason ... --operator ...");
        return 0;
    }

    public static async Task<int> ConfirmAsync(
        string contestId, string proposalId, string reason, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("make-goods confirm", @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync("make-goods confirm", "--reason is required");
        var p = (await new ContestReadStore(tool.ReadModel).MakeGoodsAsync(contestId))
            .FirstOrDefault(m => m.ProposalId == proposalId);
        if (p is null)
            return await OperatorTool.FailAsync("make-goods confirm", $"no proposal {proposalId} for {contestId}");
        if (string.Equals(p.ProposedBy, @operator, StringComparison.OrdinalIgnoreCase))
            return await OperatorTool.FailAsync("make-goods confirm",
                "you proposed it: a second, different operator must confirm");
        var a = JsonSerializer.Deserialize<MakeGoodsAssessed>(p.Assessment, OutgoingMessage.Json)!;
        // Bound to what this operator confirms: the proposal's report, total, recipients and amounts as read here.
        var terms = MakeGoodTerms.Of(proposalId, contestId, a.CorrectionsSoFar, a.TotalMinor, a.Currency, a.Items);
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.Operations, contestId, MakeGoodConfirmed.MessageIdFor(id),
            new MakeGoodConfirmed(id, contestId, proposalId, @operator, reason, OperatorTool.Clock.GetUtcNow(),
                a.TotalMinor, a.Currency, terms, MakeGoodSeals.Seal(tool.Key, contestId, terms)), ct);
        await tool.AuditAsync(@operator, id, "make-good-confirm", contestId, reason,
            $"confirmed proposal {proposalId}", ct);
        Console.WriteLine($"confirmation of {proposalId} sent; " +
            "Settlement books each make-good once and Payout pays it like a prize");
        return 0;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
