using System.CommandLine;
using ContestPipeline.Contracts;
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
        return new Command("ledger", "the double-entry ledger, read-only") { check };
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
