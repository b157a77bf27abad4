using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Operators' seals on a make-good's terms (<see cref="MakeGoodTerms.Of"/>): the proposer and the confirmer each
/// seal them for Payout, and Settlement carries both to Payout in the make-good's authorization
/// (<see cref="SealedMakeGood"/>). Payout pays a make-good only under seals from <see cref="TwoOperators.Needed"/>
/// different operators that verify under the keys it holds, so a make-good Settlement made up, or one whose
/// recipients or amounts it altered, moves nothing. A seal is an <see cref="OperatorSeals"/> seal labelled
/// <c>contestpipeline.make-good.v1\n</c> of the contest id and the terms.
/// </summary>
public static class MakeGoodSeals
{
    private static readonly byte[] Label = "contestpipeline.make-good.v1\n"u8.ToArray();

    /// <summary>The service that pays a make-good, and so checks its seals.</summary>
    public const string Consumer = "payout";

    /// <summary><paramref name="key"/>'s seal of a make-good's <paramref name="terms"/> for Payout.</summary>
    public static OperatorSeal Seal(OperatorKey key, string contestId, string terms) =>
        OperatorSeals.Seal(key, Label, contestId, terms, [Consumer]);

    /// <summary>
    /// Null when <paramref name="made"/> carries seals of its terms that verify for <paramref name="consumer"/>
    /// under operator keys in <paramref name="keys"/> from <see cref="TwoOperators.Needed"/> operators (and
    /// <paramref name="operators"/> are they); otherwise why not, naming each seal that failed.
    /// </summary>
    public static string? Refusal(SealedMakeGood made, string contestId, string currency, SigningKeys keys,
        string consumer, out IReadOnlyList<string> operators)
    {
        ArgumentNullException.ThrowIfNull(made);
        operators = [];
        var terms = MakeGoodTerms.Of(made.ProposalId, contestId, made.CorrectionsSoFar, made.TotalMinor, currency,
            made.Items ?? []);
        var (verified, failed) = OperatorSeals.Verify(made.Seals ?? [], keys, consumer, Label, contestId, [terms],
            "make-good's terms", OperatorRoles.MakeGoodSealNeeds);
        if (verified.Count >= TwoOperators.Needed)
        {
            operators = verified;
            return null;
        }
        return $"make-good proposal {made.ProposalId} of contest {contestId} is sealed by {verified.Count} " +
            $"operator(s) that verify for {consumer}, {TwoOperators.Needed} needed" +
            (failed.Count > 0 ? ": " + string.Join("; ", failed) : "");
    }
}
