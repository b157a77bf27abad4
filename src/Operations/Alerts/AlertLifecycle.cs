using ContestPipeline.Plumbing;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// The alerts' transition table: open → acknowledged → resolved, and open → resolved. Operators'
/// actions and the alert itself arrive on two topics in any order, so an alert's state is what
/// every action recorded so far makes of it, whatever their order: resolved once any resolution
/// is in, else acknowledged once any acknowledgement is.
/// </summary>
public static class AlertLifecycle
{
    public static TransitionTable<AlertState> Table { get; } = new("alert", new Dictionary<AlertState, AlertState[]>
    {
        [AlertState.Open] = [AlertState.Acknowledged, AlertState.Resolved],
        [AlertState.Acknowledged] = [AlertState.Resolved],
        [AlertState.Resolved] = [],
    }, s => s.ToString().ToLowerInvariant());

    /// <summary>The state the recorded actions give an alert, in whatever order they arrived.</summary>
    public static AlertState After(IEnumerable<AlertAction> actions) =>
        actions.Aggregate(AlertState.Open, (state, action) => action switch
        {
            AlertAction.Resolve => AlertState.Resolved,
            AlertAction.Acknowledge when state == AlertState.Open => AlertState.Acknowledged,
            _ => state,
        });

    /// <summary>Lower-case name as stored: open, acknowledged, resolved.</summary>
    public static string Name(AlertState state) => Table.Name(state);

    public static AlertState Parse(string alertId, string? name) => Table.Parse("alert " + alertId, name);

    /// <summary>How an action is stored in <c>alert_actions</c>: ack, resolve.</summary>
    public static string Name(AlertAction action) => action == AlertAction.Acknowledge ? "ack" : "resolve";

    public static AlertAction ParseAction(string alertId, string name) => name switch
    {
        "ack" => AlertAction.Acknowledge,
        "resolve" => AlertAction.Resolve,
        _ => throw new Plumbing.Messaging.InvariantViolatedException($"alert {alertId} has an unknown action '{name}'"),
    };
}
