using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Players;

namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// Operator roles, least to most powerful. An operator's role is bound into their key when it is issued: every
/// service that verifies an operator's decision knows the role from the key that verified it, and applies the
/// decision only when that role may make it (<see cref="NeededFor"/>), whatever tool signed it.
/// </summary>
public static class OperatorRoles
{
    /// <summary>Sees every page; acts on nothing.</summary>
    public const string Viewer = "viewer";
    /// <summary>
    /// Also acknowledges and resolves alerts, releases and rejects payouts, proposes and confirms make-goods.
    /// </summary>
    public const string Approver = "approver";
    /// <summary>
    /// Also defines and cancels contests, halts and resumes payouts, writes off what winners owe back, re-drives and
    /// rewinds.
    /// </summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Approver, Admin];

    public static int Rank(string role) => role switch { Viewer => 0, Approver => 1, Admin => 2, _ => -1 };

    public static bool Allows(string role, string needed) => Rank(role) >= Rank(needed) && Rank(needed) >= 0;

    /// <summary>"a viewer", "an approver", "an admin".</summary>
    public static string WithArticle(string role) => (role is Approver or Admin ? "an " : "a ") + role;

    /// <summary>The role a definition's seal needs: a definition is an admin's (a large guarantee, two).</summary>
    public const string DefinitionSealNeeds = Admin;
    /// <summary>The role a make-good's seal needs.</summary>
    public const string MakeGoodSealNeeds = Approver;
    /// <summary>The role a re-drive grant needs: applying a dead letter is as weighty as a rewind.</summary>
    public const string RedriveGrantNeeds = Admin;

    /// <summary>
    /// The least role that may sign an operator's message of <paramref name="messageType"/>: the console's rule for
    /// the same act. A type not listed needs an admin.
    /// </summary>
    public static string NeededFor(string messageType) => messageType switch
    {
        // The audit record of an act (a sign-in, a view of a winner's account): every operator's.
        OperatorActed.MessageType => Viewer,
        AlertAcknowledged.MessageType or AlertResolved.MessageType or PayoutReviewDecided.MessageType
            or MakeGoodProposed.MessageType or MakeGoodConfirmed.MessageType or PlayerLimitsSet.MessageType => Approver,
        _ => Admin,
    };
}
