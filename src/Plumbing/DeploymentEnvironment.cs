namespace ContestPipeline.Plumbing;

/// <summary>
/// Where a process runs. Test money never meets live money: production refuses test keys,
/// test-mode events and crash points; every other environment refuses live keys and events.
/// </summary>
public enum DeploymentEnvironment
{
    Production,
    Staging,
    Development,
    Test,
}
