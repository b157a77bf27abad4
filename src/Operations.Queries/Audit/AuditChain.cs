using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Queries.Audit;

/// <summary>
/// The audit export's chain, as <see cref="AuditExportStore"/> writes it and <c>cpctl audit verify</c> checks it:
/// each line's <c>prev</c> the SHA-256 of the line before (<see cref="Genesis"/> before the first), and the result
/// hash over the prize orders.
/// </summary>
public static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// SHA-256 (hex) over the prize orders sorted by payout id, one "payoutId:entryId:rank:gross:fee:net" line each.
    /// </summary>
    public static string ResultHash(
        IEnumerable<(string PayoutId, string EntryId, int Rank, long Gross, long Fee, long Net)> prizes)
    {
        var text = string.Join("\n", prizes.OrderBy(p => p.PayoutId, StringComparer.Ordinal)
            .Select(p => FormattableString.Invariant($"{p.PayoutId}:{p.EntryId}:{p.Rank}:{p.Gross}:{p.Fee}:{p.Net}")));
        return Sha256(text);
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The JSON options lines are read with.</summary>
    public static JsonSerializerOptions Json => OutgoingMessage.Json;
}
