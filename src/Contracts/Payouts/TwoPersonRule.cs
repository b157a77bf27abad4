using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// The two-person rule for releases: a release of more than this many minor units needs
/// <see cref="TwoOperators.Needed"/> approvers. Payout enforces it (a single release above it is recorded as the first
/// approval, not applied); the console reads the same setting to say so beforehand.
/// </summary>
public static class TwoPersonRule
{
    public const string Setting = "CONTESTPIPELINE_PAYOUT_SECOND_APPROVAL_ABOVE_MINOR";
    public const long AboveMinorDefault = 1_000_000;
}
