using ContestPipeline.Settlement;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// The ledger check's reading of a cancelled contest, on Settlement's real schema: its fees stay in its
/// entry-fee account until each refund is recorded, and until then the contest is named as refunding,
/// not as closed.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class LedgerCheckTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_cancelled_contest_is_refunding_until_every_entrys_refund_is_recorded()
    {
        await using var database = await fixture.WorkerDatabaseAsync(SettlementWorker.Name,
            SettlementWorker.Definition.AllMigrations);
        await using var conn = await database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO settlement.contests (contest_id, definition, state) VALUES
                ('c-cancelled', '{}', 'CANCELLED'), ('c-empty', '{}', 'CANCELLED'), ('c-paid', '{}', 'PAID');
            INSERT INTO settlement.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency)
            VALUES ('e1', 'c-cancelled', 'p1', 'pi_1', 500, 'USD'), ('e2', 'c-cancelled', 'p2', 'pi_2', 500, 'USD'),
                ('e3', 'c-paid', 'p3', 'pi_3', 500, 'USD');
            INSERT INTO settlement.refund_orders
                (refund_id, contest_id, entry_id, payment_intent_id, amount_minor, currency, reason, ordered_at,
                 refunded_at)
            VALUES ('r1', 'c-cancelled', 'e1', 'pi_1', 500, 'USD', 'contest_cancelled', now(), now()),
                ('r2', 'c-cancelled', 'e2', 'pi_2', 500, 'USD', 'contest_cancelled', now(), NULL);
            """);
        string[] all = ["c-cancelled", "c-empty", "c-paid"];

        // One refund ordered but not recorded: the cancelled contest is still refunding; an empty one is not.
        Assert.Equal(["c-cancelled"], await LedgerCheckStore.RefundsPendingAsync(conn, all));
        Assert.Empty(await LedgerCheckStore.RefundsPendingAsync(conn, ["c-empty", "c-paid"]));

        await conn.ExecuteAsync("UPDATE settlement.refund_orders SET refunded_at = now() WHERE refund_id = 'r2'");
        Assert.Empty(await LedgerCheckStore.RefundsPendingAsync(conn, all));
    }
}
