using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// The two-person rule of make-goods, pure: whether a confirmation counts for the proposal it names.
/// It counts only if a different operator gave it, for the same contest, for exactly the terms
/// Settlement recorded (<see cref="MakeGoodTerms.Of"/>: report, total, recipients and amounts),
/// while the proposal is the contest's latest (not superseded by a later one) and has not expired:
/// a proposal left unconfirmed for <see cref="SettlementOptions.ApprovalLifetime"/> needs proposing again.
/// </summary>
public static class MakeGoodConfirmations
{
    /// <summary>Why <paramref name="confirmation"/> does not count for <paramref name="proposal"/>; null if it does.
    /// </summary>
    public static string? Refusal(MakeGoodProposal proposal, MakeGoodConfirmed confirmation, string proposedTerms,
        string? supersededBy, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentNullException.ThrowIfNull(confirmation);
        var id = proposal.ProposalId;
        if (proposal.ContestId != confirmation.ContestId)
            return $"proposal {id} is for contest {proposal.ContestId}, not {confirmation.ContestId}";
        if (string.Equals(proposal.ProposedBy, confirmation.Operator, StringComparison.OrdinalIgnoreCase))
            return $"{confirmation.Operator} proposed it; a second, different approver must confirm";
        if (confirmation.Terms is null || confirmation.TotalMinor is null || confirmation.Currency is null)
            return $"it names no terms of proposal {id}; confirm with cpctl make-goods confirm or the console, "
                + "which name what they confirm";
        if (confirmation.Terms != proposedTerms)
            return $"it confirms other terms ({confirmation.TotalMinor} {confirmation.Currency}, {confirmation.Terms}) "
                + $"than proposal {id} proposes ({proposal.TotalMinor}, {proposedTerms}); "
                + "the proposal was changed, confirm what it proposes now";
        if (DecisionAge.Refusal(confirmation.DecidedAt, now, lifetime) is { } old)
            return "the confirmation: " + old;
        if (supersededBy is not null)
            return $"proposal {id} was superseded by proposal {supersededBy}; confirm that one";
        if (Expired(proposal, now, lifetime))
            return $"proposal {id} expired unconfirmed at {ExpiresAt(proposal, lifetime):O} "
                + $"({lifetime.TotalHours:0.##} h after it was made); propose again";
        return null;
    }

    /// <summary>When a proposal was made: when the proposer decided, never later than Settlement recorded it.</summary>
    public static DateTimeOffset MadeAt(MakeGoodProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return proposal.DecidedAt < proposal.ProposedAt ? proposal.DecidedAt : proposal.ProposedAt;
    }

    public static DateTimeOffset ExpiresAt(MakeGoodProposal proposal, TimeSpan lifetime) => MadeAt(proposal) + lifetime;

    /// <summary>A proposal expires <paramref name="lifetime"/> after it was made; nothing confirms it after.</summary>
    public static bool Expired(MakeGoodProposal proposal, DateTimeOffset now, TimeSpan lifetime) =>
        now >= ExpiresAt(proposal, lifetime);
}
