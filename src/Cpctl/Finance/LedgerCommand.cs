using System.CommandLine;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// cpctl ledger check: the ledger's promises, checked by reading Settlement's tables as the
/// read-only role (compose's cpctl service): every journal entry balances, the book sums to zero,
/// each closed contest's accounts are closed, what winners owe back of prizes taken back is what their payouts
/// record, and no dispute holds less than nothing or anything once lost. It changes nothing; it exits 1 naming every
/// problem, and lists what is owed back and what open disputes hold.
/// </summary>
public static class LedgerCommand
{
    public static Command Build()
    {
        var contests = new Option<string[]>("--contest")
        {
            Description = "check these contests (default: every SETTLED, PAID or CANCELLED one)",
                AllowMultipleArgumentsPerToken = true,
        };
        var check = new Command("check",
            "check the ledger, reading only: every journal entry balances, the book sums to zero, each closed " +
                "contest's accounts are closed, clawback receivables match their payouts, disputes' funds add up; " +
                "exits 1 naming each problem, and lists what winners owe back and what open disputes hold")
            { contests };
        check.SetAction((parse, ct) => CheckAsync(parse.GetValue(contests) ?? [], Console.Out, ct));
        return new Command("ledger", "the double-entry ledger: check it (read-only), write off what a winner owes")
        {
            check, WriteOffCommand(),
        };
    }

    private static Command WriteOffCommand()
    {
        var payout = new Argument<string>("payout-id");
        var amount = new Option<long>("--amount-minor")
        {
            Description = "all that the winner still owes back on it, in minor units (ledger check lists it)",
            Required = true,
        };
        var reason = new Option<string>("--reason") { Description = "why (required)", Required = true };
        var by = OperatorTool.OperatorOption("who asks (recorded in the audit trail); a second operator asks too");
        var writeOff = new Command("write-off",
            "ask to write off what a winner owes back on a payout taken back short: Settlement books it as a loss " +
                "once two different operators have asked for the same amount")
        {
            payout, amount, reason, by,
        };
        writeOff.SetAction((parse, ct) => WriteOffAsync(parse.GetValue(payout)!, parse.GetValue(amount),
            parse.GetValue(reason)!, parse.GetValue(by)!, ct));
        return writeOff;
    }

    public static async Task<int> WriteOffAsync(string payoutId, long amountMinor, string reason, string @operator,
        CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("ledger write-off", @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync("ledger write-off", "--reason is required");
        await using var conn = await tool.ReadModel.OpenConnectionAsync(ct);
        if (await LedgerCheckStore.OwedOnAsync(conn, payoutId) is not { } owed)
            return await OperatorTool.FailAsync("ledger write-off", $"nothing was ever owed back on payout {payoutId}");
        // A courtesy: Settlement refuses any amount but what is owed when it applies the request.
        if (owed.OwedMinor != amountMinor)
            return await OperatorTool.FailAsync("ledger write-off", $"{owed.PlayerId} owes back " +
                $"{Money.Format(owed.OwedMinor, owed.Currency)} on payout {payoutId}, not {amountMinor} minor units");
        var at = OperatorTool.Clock.GetUtcNow();
        var id = ReceivableWriteOffRequested.MessageIdFor(payoutId, @operator, at);
        await tool.PublishAsync(Topics.Operations, owed.ContestId, id, new ReceivableWriteOffRequested(payoutId,
            owed.ContestId, owed.PlayerId, amountMinor, owed.Currency, @operator, reason, at), ct);
        await tool.AuditAsync(@operator, id, "write-off", owed.ContestId, reason,
            $"asked to write off {amountMinor} {owed.Currency} owed back on payout {payoutId}", ct);
        Console.WriteLine($"write-off of {Money.Format(owed.OwedMinor, owed.Currency)} on {payoutId} asked; it is " +
            "booked once a second, different operator asks: " +
            $"cpctl ledger write-off {payoutId} --amount-minor {amountMinor} --reason ... --operator ...");
        return 0;
    }

    public static async Task<int> CheckAsync(IReadOnlyList<string> contests, TextWriter output, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("ledger check");
        if (tool is null) return 2;
        await using var conn = await tool.ReadModel.OpenConnectionAsync(ct);
        var checkedContests = contests.Count > 0 ? contests : await LedgerCheckStore.ClosedContestsAsync(conn);
        var problems = new List<string>(await LedgerCheckStore.BookAsync(conn));
        foreach (var contest in checkedContests) problems.AddRange(await LedgerCheckStore.ContestAsync(conn, contest));
        var (receivableProblems, owed) = await LedgerCheckStore.ReceivablesAsync(conn);
        problems.AddRange(receivableProblems);
        var (disputeProblems, disputed) = await LedgerCheckStore.DisputesAsync(conn);
        problems.AddRange(disputeProblems);
        var entries = await LedgerCheckStore.JournalEntryCountAsync(conn);
        var refunding = await LedgerCheckStore.RefundsPendingAsync(conn, checkedContests);
        foreach (var problem in problems) await output.WriteLineAsync("problem: " + problem);
        // Not a problem, but money the books count on that is not on the balance: say it every time.
        foreach (var o in owed)
            await output.WriteLineAsync($"owed back: {o.Account} {Money.Format(o.BalanceMinor, o.Currency)} " +
                "(a clawback that fell short: docs/payouts.md#clawbacks)");
        foreach (var d in disputed)
            await output.WriteLineAsync($"disputed: {d.Account} {Money.Format(d.BalanceMinor, d.Currency)} " +
                "withdrawn by an open dispute (docs/money-and-ledger.md#reconciliation)");
        await output.WriteLineAsync(problems.Count == 0
            ? $"ledger holds: {entries} journal entries, each balanced; the book sums to zero; "
                + (refunding.Count == 0
                    ? $"{checkedContests.Count} closed contest(s) with their accounts closed"
                    : $"{checkedContests.Count} closed contest(s) whose accounts hold what their state says, "
                        + $"{refunding.Count} cancelled with refunds still to record ({string.Join(", ", refunding)})")
            : $"ledger: {problems.Count} problem(s) in {entries} journal entries and " +
                $"{checkedContests.Count} contest(s)");
        return problems.Count == 0 ? 0 : 1;
    }
}
