using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.OperationsConsole.SignIn;

/// <summary>
/// The operators as the operators file says now: read again on every request (a small file), so an
/// operator removed or demoted there loses access at once, whatever the cookie says. An unreadable
/// file signs nobody in (and says why in the log).
/// </summary>
public sealed class OperatorDirectory(IConfiguration configuration, Operators atStart)
{
    public Operators Current()
    {
        try
        {
            var json = Setting.Text(configuration, ConsoleOptions.Settings.Operators);
            return json is null ? atStart : Operators.Parse(json, ConsoleOptions.Settings.Operators);
        }
        catch (StartupException)
        {
            return new Operators([]);
        }
    }
}
