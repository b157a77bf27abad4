namespace ContestPipeline.Contracts.Operations;

/// <summary>Operator roles, least to most powerful.</summary>
public static class OperatorRoles
{
    /// <summary>Sees every page; acts on nothing.</summary>
    public const string Viewer = "viewer";
    /// <summary>
    /// Also acknowledges and resolves alerts, releases and rejects payouts, proposes and confirms make-goods.
    /// </summary>
    public const string Approver = "approver";
    /// <summary>Also defines and cancels contests and halts and resumes payouts.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Approver, Admin];

    public static int Rank(string role) => role switch { Viewer => 0, Approver => 1, Admin => 2, _ => -1 };

    public static bool Allows(string role, string needed) => Rank(role) >= Rank(needed) && Rank(needed) >= 0;
}
