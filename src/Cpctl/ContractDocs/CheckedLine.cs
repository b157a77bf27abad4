namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>What the check found on one line of the file: nothing when it is good.</summary>
public sealed record CheckedLine(int Line, string? Type, IReadOnlyList<string> Reasons)
{
    public bool Good => Reasons.Count == 0;
}
