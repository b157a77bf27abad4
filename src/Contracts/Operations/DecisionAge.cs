using System.Globalization;

namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// How long an operator's decision counts, from when the operator signed it (its <c>decidedAt</c>,
/// inside the signed body, so nobody on the way can make it younger). A decision that waited in a
/// dead-letter topic, or was re-driven or replayed weeks later, is refused rather than applied
/// to a world the operator no longer saw; one dated ahead of the worker's clock by more than
/// <see cref="FutureSkew"/> is refused as well, so a decision cannot be signed to last longer.
/// A halt is the exception its handler makes: stopping money is never too late.
/// </summary>
public static class DecisionAge
{
    /// <summary>How far ahead of the applying worker's clock a decision may be dated (clocks drift).</summary>
    public static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Why a decision signed at <paramref name="decidedAt"/> no longer counts at <paramref name="now"/>
    /// for a decision that counts for <paramref name="lifetime"/>; null while it counts.
    /// </summary>
    public static string? Refusal(DateTimeOffset decidedAt, DateTimeOffset now, TimeSpan lifetime)
    {
        if (decidedAt > now + FutureSkew)
            return $"it is dated {Stamp(decidedAt)}, more than {Describe(FutureSkew)} ahead of this worker's " +
                $"clock ({Stamp(now)}); a decision cannot be signed in the future: check the operator's clock";
        if (now - decidedAt >= lifetime)
            return $"it was signed at {Stamp(decidedAt)} and a decision counts for {Describe(lifetime)}: it " +
                "expired; look again and decide anew";
        return null;
    }

    /// <summary>
    /// When a decision counts from: when it was signed, never later than it was recorded (one dated
    /// a little ahead, within <see cref="FutureSkew"/>, counts from its arrival).
    /// </summary>
    public static DateTimeOffset CountsFrom(DateTimeOffset decidedAt, DateTimeOffset recordedAt) =>
        decidedAt < recordedAt ? decidedAt : recordedAt;

    /// <summary>A span as an operator reads it: "24 h", "90 min", "45 s".</summary>
    public static string Describe(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)span.TotalHours} h"
        : span.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)span.TotalMinutes} min"
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s");

    /// <summary>An instant as an operator reads it: "2026-11-26 21:30:00 UTC".</summary>
    public static string Stamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
