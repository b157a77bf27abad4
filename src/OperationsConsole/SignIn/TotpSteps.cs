namespace ContestPipeline.OperationsConsole.SignIn;

/// <summary>
/// The TOTP steps already signed in with, per operator: a code is good once. A step at or before the last one an
/// operator signed in with is refused (a code seen over a shoulder, or replayed, within its minute).
/// </summary>
public sealed class TotpSteps
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _last = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True, and the step is spent, when it is later than the operator's last; false when used.</summary>
    public bool TryUse(string @operator, long step)
    {
        lock (_gate)
        {
            if (_last.TryGetValue(@operator, out var last) && step <= last) return false;
            _last[@operator] = step;
            return true;
        }
    }
}
