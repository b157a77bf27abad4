using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Rules.Prizes;

/// <summary>
/// The id of the payout of one winning entry. It is Stripe's Idempotency-Key for the prize
/// transfer, so it must be a function of the contest and the entry only, never change once
/// published, fit Stripe's 255-character limit, and differ for any two (contest, entry) pairs.
/// </summary>
/// <remarks>
/// <para>Form: <c>prize_</c> followed by the first 32 lower-case hex digits (128 bits) of the
/// SHA-256 of the UTF-8 bytes of <c>{n}:{contestId}:{entryId}</c>, where <c>n</c> is the
/// UTF-8 byte length of the contest id in decimal. For example, contest
/// <c>nfl-2026-w12-main</c> and entry <c>entry_pi_3QJf2kLx9aT0bC1d</c> give
/// <c>prize_a4cb7120a8a889c34e9d8b4e0aef4617</c>:
/// <c>printf '%s' '17:nfl-2026-w12-main:entry_pi_3QJf2kLx9aT0bC1d' | sha256sum | cut -c1-32</c>.</para>
/// <para>Why a hash and not a readable <c>payout:{contestId}:{entryId}</c>: contest ids may
/// contain <c>:</c>, so the readable form could give two pairs the same id, and entry ids have
/// no length bound, so it could pass 255 characters. The length prefix makes the preimage
/// unambiguous; the id is always 38 characters. The payout order carries the contest and entry
/// ids beside it for people. Why not Stripe-style <c>po_</c>: Stripe already uses <c>po_</c>
/// for its Payout objects (a connected account's bank payout), which are not our prize
/// transfers, and the two meet in the same logs and webhooks.</para>
/// <para>Changing this function would give every unpaid prize a new idempotency key, so it
/// must never change; a test pins its output.</para>
/// </remarks>
public static class PayoutIds
{
    public const string Prefix = "prize_";
    public const int HexDigits = 32;
    public const int Length = 38;

    public static string For(string contestId, string entryId)
    {
        ArgumentException.ThrowIfNullOrEmpty(contestId);
        ArgumentException.ThrowIfNullOrEmpty(entryId);
        var preimage = $"{Encoding.UTF8.GetByteCount(contestId)}:{contestId}:{entryId}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(preimage));
        return Prefix + Convert.ToHexStringLower(hash, 0, HexDigits / 2);
    }
}
