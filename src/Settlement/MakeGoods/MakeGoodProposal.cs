using System.Text.Json;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// A make-good proposal as Settlement recorded it, whether it was confirmed, and the proposer's seal of its terms for
/// Payout (JSON; none on a proposal recorded before seals were asked for).
/// </summary>
public sealed record MakeGoodProposal(string ProposalId, string ContestId, int CorrectionsSoFar, string ProposedBy,
    string Reason, long TotalMinor, string? ConfirmedBy, DateTimeOffset DecidedAt, DateTimeOffset ProposedAt,
    string? PayoutSeal = null)
{
    /// <summary>The proposer's seal, as recorded.</summary>
    public OperatorSeal? Seal => PayoutSeal is null ? null
        : JsonSerializer.Deserialize<OperatorSeal>(PayoutSeal, OutgoingMessage.Json);
}
