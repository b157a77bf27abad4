using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A make-good's terms as the operators sealed them, carried by Settlement to Payout in the make-good's
/// authorization: the proposal, its correction report and total, every recipient with what it is owed
/// (<c>MakeGoodTerms.Of</c> of these and the authorization's contest and currency), and the proposer's and the
/// confirmer's <see cref="Seals"/> for Payout.
/// </summary>
public sealed record SealedMakeGood(
    string ProposalId,
    int CorrectionsSoFar,
    long TotalMinor,
    IReadOnlyList<MakeGoodItem> Items,
    IReadOnlyList<OperatorSeal> Seals);
