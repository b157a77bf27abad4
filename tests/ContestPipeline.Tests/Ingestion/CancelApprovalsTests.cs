using ContestPipeline.Ingestion.Domain;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>The two-person rule for a cancel, as a table: entries at the time, and the operators who asked.</summary>
public sealed class CancelApprovalsTests
{
    [Theory]
    [InlineData(0, new[] { "ann" }, true)]
    [InlineData(3, new[] { "ann" }, false)]
    [InlineData(3, new[] { "ann", "bob" }, true)]
    [InlineData(1, new[] { "ann", "bob", "cy" }, true)]
    [InlineData(1, new string[0], false)]
    public void A_contest_with_paid_entries_takes_two_different_operators(int entries, string[] operators, bool applies) =>
        Assert.Equal(applies, CancelApprovals.Applies(entries, operators));
}
