namespace ContestPipeline.Operations.Alerts;

/// <summary>Where an alert stands with the operators.</summary>
public enum AlertState
{
    /// <summary>Raised; nobody has acted on it.</summary>
    Open,
    /// <summary>An operator has taken it.</summary>
    Acknowledged,
    /// <summary>An operator has closed it.</summary>
    Resolved,
}
