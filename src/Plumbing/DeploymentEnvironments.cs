using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing;

/// <summary>Reads and names <see cref="DeploymentEnvironment"/> as the settings spell it.</summary>
public static class DeploymentEnvironments
{
    public static string Name(DeploymentEnvironment environment) => environment.ToString().ToLowerInvariant();

    public static DeploymentEnvironment Read(IConfiguration? configuration)
    {
        var text = Setting.Text(configuration, PipelineSettings.EnvironmentVariable);
        if (text is null) return DeploymentEnvironment.Development;
        foreach (var e in Enum.GetValues<DeploymentEnvironment>())
            if (Name(e) == text) return e;
        throw new StartupException($"{PipelineSettings.EnvironmentVariable}: '{text}' "
            + "is not one of production, staging, development, test");
    }

    /// <summary>Only production moves live money.</summary>
    public static bool IsLive(this DeploymentEnvironment environment) =>
        environment == DeploymentEnvironment.Production;
}
