using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Local.Demo;

/// <summary>
/// Where the stack <c>cpdev up</c> keeps up is reached: written beside the local broker's state
/// file while it runs and removed when it stops, so that other local tools (<c>cpdev enter</c>)
/// find the Stripe-compatible server, the broker and the database without being told; and
/// the platform's read API with the one token it accepts and the private key of the sign-in that signs players'
/// tokens for it (<c>cpdev onboard</c> asks it for links as a signed-in player).
/// </summary>
public sealed record LocalStack(Uri StripeUrl, string StripeKey, string BootstrapServers, string Postgres,
    Uri ConsoleUrl,
    Uri? PlayerApiUrl = null, string? PlayerApiToken = null, string? PlayerSignInKey = null)
{
    /// <summary>Beside the broker's state file (<see cref="BrokerState.FilePath"/>), so both follow the same
    /// settings.</summary>
    public static string FileDefault => Path.Combine(Path.GetDirectoryName(BrokerState.FilePath())!, "up.json");

    public static LocalStack? TryRead(string path) => StateFile.TryRead<LocalStack>(path);

    public void Write(string path) => StateFile.Write(path, this);
}
