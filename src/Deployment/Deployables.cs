namespace ContestPipeline.Deployment;

/// <summary>
/// One program the production image carries: its name (the image's first argument), its project under src/ and its
/// assembly.
/// </summary>
public sealed record Deployable(string Name, string Project, string Assembly)
{
    /// <summary>
    /// Where the image has it: <c>/app/&lt;name&gt;/&lt;assembly&gt;</c> (the Dockerfile publishes it there).
    /// </summary>
    public string ImagePath => $"/app/{Name}/{Assembly}";
}

/// <summary>
/// What the production image carries, and nothing else: the four workers, the read model, the
/// console, the webhook receiver, the platform's read API, the notification sender and the
/// operator's tool (which also runs the topics and migrate jobs). The Dockerfile and the image's
/// entry point list exactly these (a test checks), and the production-shape run starts exactly
/// these.
/// </summary>
public static class Deployables
{
    public static IReadOnlyList<Deployable> All { get; } =
    [
        new("ingestion", "Ingestion", "ContestPipeline.Ingestion.dll"),
        new("scoring", "Scoring", "ContestPipeline.Scoring.dll"),
        new("settlement", "Settlement", "ContestPipeline.Settlement.dll"),
        new("payout", "Payout", "ContestPipeline.Payout.dll"),
        new("operations", "Operations", "ContestPipeline.Operations.dll"),
        new("console", "OperationsConsole", "ContestPipeline.OperationsConsole.dll"),
        new("webhooks", "Webhooks", "ContestPipeline.Webhooks.dll"),
        new("player-api", "PlayerApi", "ContestPipeline.PlayerApi.dll"),
        new("notifier", "Notifier", "ContestPipeline.Notifier.dll"),
        new("cpctl", "Cpctl", "cpctl.dll"),
    ];

    public static Deployable Of(string name) =>
        All.FirstOrDefault(d => d.Name == name)
            ?? throw new ArgumentException(
                $"'{name}' is not a deployable (one of {string.Join(", ", All.Select(d => d.Name))})", nameof(name));
}
