namespace ContestPipeline.Operations.Alerts;

/// <summary>What an operator does to an alert (AlertAcknowledged, AlertResolved on <c>operations</c>).</summary>
public enum AlertAction
{
    Acknowledge,
    Resolve,
}
