using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Deployment;

/// <summary>
/// Every worker's shape, by name: the four that move a contest and its money
/// (<see cref="Names"/>, in pipeline order), and the operations read model and the notification sender beside them (in
/// <see cref="All"/>, so that migrate, replay, the ACLs and the contracts know it).
/// </summary>
public static class Workers
{
    public static WorkerShape Ingestion { get; } = Shape("ingestion",
        ("canary", [Topics.Canary]), ("contests", [Topics.Contests]), ("entries", [Topics.Entries]),
        ("stripe", [Topics.StripeEvents]), ("feed", [Topics.ProviderFeed])) with
    {
        // The platform's read API asks for a player's limits to change here and reads them back (the requests with
        // their answers, and the limits as they stand); nothing else of Ingestion's.
        TableInserters = new Dictionary<string, IReadOnlyList<string>>
        {
            [DatabaseRoles.PlayerApi] = ["player_limit_requests"],
        },
        TableReaders = new Dictionary<string, IReadOnlyList<string>>
        {
            [DatabaseRoles.PlayerApi] = ["player_limits"],
        },
    };

    public static WorkerShape Scoring { get; } = Shape("scoring",
        ("canary", [Topics.Canary]), ("lifecycle", [Topics.ContestLifecycle]), ("games", [Topics.Games]));

    public static WorkerShape Settlement { get; } = Shape("settlement",
        ("canary", [Topics.Canary]), ("lifecycle", [Topics.ContestLifecycle]), ("standings", [Topics.Standings]),
        ("payouts", [Topics.PayoutsStatus]), ("operations", [Topics.Operations])) with
    {
        // The ledger: a correction is a new journal entry, never a change to a posting.
        AppendOnlyTables = ["journal", "postings"],
    };

    public static WorkerShape Payout { get; } = Shape("payout",
        ("canary", [Topics.Canary]), ("orders", [Topics.PayoutsDue]), ("control", [Topics.PayoutsControl]),
        ("stripe", [Topics.StripeEvents]), ("lifecycle", [Topics.ContestLifecycle])) with
    {
        // The platform's read API asks for fresh onboarding links and Express dashboard login links here and reads
        // Payout's answers; nothing else of Payout's.
        TableInserters = new Dictionary<string, IReadOnlyList<string>>
        {
            [DatabaseRoles.PlayerApi] = ["onboarding_link_requests", "login_link_requests"],
        },
        // A live onboarding link lets whoever opens it first name the bank a prize is paid to, and a login link
        // opens the winner's dashboard: the console and cpctl read everything of Payout's but these.
        HiddenFromReader = new Dictionary<string, IReadOnlyList<string>>
        {
            ["onboarding_link_requests"] = ["url"],
            ["login_link_requests"] = ["url"],
            ["recipients"] = ["onboarding_url"],
        },
    };

    public static WorkerShape Operations { get; } = Shape("operations",
        ("alerts", [Topics.Alerts]), ("lifecycle", [Topics.ContestLifecycle]), ("standings", [Topics.Standings]),
        ("payouts", [Topics.PayoutsDue, Topics.PayoutsControl, Topics.PayoutsStatus]),
        ("stripe", [Topics.StripeEvents]), ("operations", [Topics.Operations])) with
    {
        // The platform's read API shows players their entries and payouts, and their accounts' balances and bank
        // payouts: those tables, and their contests and standings, only.
        TableReaders = new Dictionary<string, IReadOnlyList<string>>
        {
            [DatabaseRoles.PlayerApi] =
                ["entries", "payouts", "contests", "recipient_accounts", "recipient_balances", "bank_payouts",
                    "final_standings", "live_standings"],
        },
    };

    /// <summary>The notification sender: notifications in, email and the platform's webhooks out.</summary>
    public static WorkerShape Notifier { get; } = Shape("notifier", ("notifications", [Topics.Notifications]));

    private static readonly WorkerShape[] InOrder = [Ingestion, Scoring, Settlement, Payout];

    public static IReadOnlyDictionary<string, WorkerShape> All { get; } =
        InOrder.Append(Operations).Append(Notifier).ToDictionary(w => w.Name);

    /// <summary>
    /// The money-moving workers' names in pipeline order (a fixed order, so a seeded choice among them repeats).
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = [.. InOrder.Select(w => w.Name)];

    private static WorkerShape Shape(string name, params (string Suffix, string[] Topics)[] groups) =>
        new(name, [.. groups.Select(g => new ConsumerGroup(name + "." + g.Suffix, g.Topics))], Migrations(name))
        {
            ReadersOf = KeyPairs.ReadersOf,
        };

    /// <summary>
    /// The worker's own migrations, embedded from its Migrations/ folder as "&lt;worker&gt;.&lt;file&gt;.sql".
    /// </summary>
    private static IReadOnlyList<Migration> Migrations(string worker)
    {
        var assembly = typeof(Workers).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(worker + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration($"{worker}/{resource[(worker.Length + 1)..^4]}", reader.ReadToEnd()));
        }
        return list;
    }
}
