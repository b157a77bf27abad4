using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Ingestion.Domain;

/// <summary>
/// The two-person rule for cancelling a contest: cancelling one with paid entries refunds every
/// fee, so it takes requests from two different operators; one without entries moves no money,
/// and one request is enough. Operators are told apart by name, as they sign their decisions.
/// </summary>
public static class CancelApprovals
{
    public const int OperatorsNeeded = 2;

    /// <summary>Whether the cancel applies, given the contest's accepted entries and the operators who asked.</summary>
    public static bool Applies(int entryCount, IReadOnlyCollection<string> operators) =>
        operators.Count >= (entryCount > 0 ? OperatorsNeeded : 1);

    public static string Awaiting(ContestCancelRequested request, int entryCount) =>
        $"cancel of contest {request.ContestId} requested by {request.RequestedBy} ({request.Reason}); it has {entryCount} paid "
        + "entries, so a second, different operator must also cancel it before anything is refunded";
}
