using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// What a make-good proposal proposes, as one value a confirmation carries: the proposal's id,
/// contest and correction report, its total and currency, and every recipient (entry and
/// player) with its amount, in the assessment's order. A confirmation whose terms are not the
/// proposal's as Settlement recorded it confirms something else and books nothing.
/// </summary>
public static class MakeGoodTerms
{
    /// <summary><c>sha256:</c> and the 64 hex digits of the SHA-256 of the terms' canonical text.</summary>
    public static string Of(string proposalId, string contestId, int correctionsSoFar, long totalMinor, string currency,
        IEnumerable<MakeGoodItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var text = new StringBuilder();
        foreach (var field in new[] { proposalId, contestId, N(correctionsSoFar), N(totalMinor), currency })
            Field(text, field);
        foreach (var item in items)
        {
            Field(text, item.EntryId);
            Field(text, item.PlayerId);
            Field(text, N(item.MakeGoodMinor));
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    // Length-prefixed, so no two different lists of fields give the same text.
    private static void Field(StringBuilder text, string value) =>
        text.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture))
            .Append(':').Append(value).Append(';');

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
