namespace ContestPipeline.Rules.Players;

/// <summary>
/// A player's responsible-gaming limits as Ingestion keeps them (ingestion.player_limits): an entry-fee limit per
/// day and per calendar month (UTC), each in the minor units of the contest's currency; a raise that waits out its
/// cooling-off; and an exclusion (a cooling-off the player chose, or a self-exclusion) with its end. A null limit is
/// the platform's default (<see cref="LimitDefaults"/>).
/// </summary>
public sealed record PlayerLimits
{
    public long? DailyMinor { get; init; }
    public long? MonthlyMinor { get; init; }
    public long? RaisedDailyMinor { get; init; }
    public DateTimeOffset? RaisedDailyFrom { get; init; }
    public long? RaisedMonthlyMinor { get; init; }
    public DateTimeOffset? RaisedMonthlyFrom { get; init; }
    public string? Exclusion { get; init; }
    public DateTimeOffset? ExcludedUntil { get; init; }
}

/// <summary>
/// The platform's defaults: seed 002's 1,000.00 a day, no monthly limit unless one is set, and how long a raise waits.
/// </summary>
public sealed record LimitDefaults(long DailyMinor, long? MonthlyMinor, TimeSpan RaiseWait);

/// <summary>What a player's limits are at a moment: the raises whose cooling-off is over applied.</summary>
public sealed record EffectiveLimits(long DailyMinor, long? MonthlyMinor, string? Exclusion,
    DateTimeOffset? ExcludedUntil);

/// <summary>
/// One request to change a player's limits, from the platform (through the player API) or an operator: a new daily
/// and/or monthly limit, and/or an exclusion for a number of days.
/// </summary>
public sealed record LimitRequest(long? DailyMinor, long? MonthlyMinor, string? Exclusion, int? ExclusionDays);

/// <summary>
/// The rules, pure: a lowered limit takes effect at once; a raised one after <see cref="LimitDefaults.RaiseWait"/>
/// (24 hours by default), so a player cannot lift a limit in the heat of a losing day; an exclusion starts at once and
/// can be lengthened, never shortened or lifted early; a request during an exclusion may lower limits but not raise
/// them.
/// </summary>
public static class LimitRules
{
    public const string CoolingOff = "cooling_off";
    public const string SelfExclusion = "self_exclusion";
    public const int CoolingOffDaysMin = 1;
    public const int CoolingOffDaysMax = 42;
    public const int SelfExclusionDaysMin = 180;
    public const int SelfExclusionDaysMax = 3_650;
    /// <summary>The highest limit a player may have (1,000,000.00 in a two-decimal currency).</summary>
    public const long LimitMinorMax = 100_000_000;

    public static EffectiveLimits Effective(PlayerLimits? limits, DateTimeOffset now, LimitDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var s = Matured(limits ?? new PlayerLimits(), now);
        var excluded = s.ExcludedUntil is { } until && until > now;
        return new EffectiveLimits(s.DailyMinor ?? defaults.DailyMinor, s.MonthlyMinor ?? defaults.MonthlyMinor,
            excluded ? s.Exclusion : null, excluded ? s.ExcludedUntil : null);
    }

    /// <summary>What is wrong with a request, or null when it can be applied.</summary>
    public static string? Problem(LimitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.DailyMinor is null && request.MonthlyMinor is null && request.Exclusion is null)
            return "the request sets nothing: give dailyLimitMinor, monthlyLimitMinor or exclusion";
        if (request.DailyMinor is < 0 or > LimitMinorMax)
            return $"dailyLimitMinor {request.DailyMinor} is outside 0 to {Show.N(LimitMinorMax)}";
        if (request.MonthlyMinor is < 0 or > LimitMinorMax)
            return $"monthlyLimitMinor {request.MonthlyMinor} is outside 0 to {Show.N(LimitMinorMax)}";
        if (request.Exclusion is null)
            return request.ExclusionDays is null ? null : "exclusionDays is given without an exclusion";
        var (min, max) = request.Exclusion switch
        {
            CoolingOff => (CoolingOffDaysMin, CoolingOffDaysMax),
            SelfExclusion => (SelfExclusionDaysMin, SelfExclusionDaysMax),
            _ => (0, -1),
        };
        if (max < 0)
            return $"exclusion {Show.Quote(request.Exclusion)} is not '{CoolingOff}' or '{SelfExclusion}'";
        if (request.ExclusionDays is not { } days || days < min || days > max)
            return $"exclusionDays for {request.Exclusion} is {min} to {Show.N(max)} days"
                + (request.ExclusionDays is { } d ? $", not {d}" : ", and was not given");
        return null;
    }

    /// <summary>
    /// Applies a valid request (<see cref="Problem"/> is null) at <paramref name="now"/>: the limits after it, and
    /// what it did in words.
    /// </summary>
    public static (PlayerLimits Next, string Summary) Apply(PlayerLimits? current, LimitRequest request,
        DateTimeOffset now, LimitDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (Problem(request) is { } problem) throw new ArgumentException(problem, nameof(request));
        var s = Matured(current ?? new PlayerLimits(), now);
        var said = new List<string>();
        var effective = Effective(s, now, defaults);
        var excluded = effective.ExcludedUntil is not null;
        if (request.DailyMinor is { } daily)
        {
            if (daily <= effective.DailyMinor)
            {
                s = s with { DailyMinor = daily, RaisedDailyMinor = null, RaisedDailyFrom = null };
                said.Add($"daily limit {Show.N(daily)} from now");
            }
            else if (excluded)
            {
                said.Add($"daily limit not raised to {Show.N(daily)}: no limit is raised during an exclusion");
            }
            else
            {
                var from = now + defaults.RaiseWait;
                s = s with { RaisedDailyMinor = daily, RaisedDailyFrom = from };
                said.Add($"daily limit {Show.N(daily)} from {Show.Time(from)} (a raise waits "
                    + $"{Show.N((long)defaults.RaiseWait.TotalHours)} h); {Show.N(effective.DailyMinor)} until then");
            }
        }
        if (request.MonthlyMinor is { } monthly)
        {
            if (effective.MonthlyMinor is null || monthly <= effective.MonthlyMinor)
            {
                s = s with { MonthlyMinor = monthly, RaisedMonthlyMinor = null, RaisedMonthlyFrom = null };
                said.Add($"monthly limit {Show.N(monthly)} from now");
            }
            else if (excluded)
            {
                said.Add($"monthly limit not raised to {Show.N(monthly)}: no limit is raised during an exclusion");
            }
            else
            {
                var from = now + defaults.RaiseWait;
                s = s with { RaisedMonthlyMinor = monthly, RaisedMonthlyFrom = from };
                said.Add($"monthly limit {Show.N(monthly)} from {Show.Time(from)} (a raise waits "
                    + $"{Show.N((long)defaults.RaiseWait.TotalHours)} h); {Show.N(effective.MonthlyMinor.Value)} "
                    + "until then");
            }
        }
        if (request.Exclusion is { } kind)
        {
            var until = now + TimeSpan.FromDays(request.ExclusionDays!.Value);
            if (effective.ExcludedUntil is { } already && already >= until)
            {
                said.Add($"already excluded ({effective.Exclusion}) until {Show.Time(already)}, "
                    + "which an exclusion never shortens");
            }
            else
            {
                // A self-exclusion stays one when lengthened by a shorter kind of request.
                var stays = effective.Exclusion == SelfExclusion ? SelfExclusion : kind;
                s = s with { Exclusion = stays, ExcludedUntil = until };
                said.Add($"{stays} until {Show.Time(until)}: no entry is taken before then");
            }
        }
        return (s, string.Join("; ", said));
    }

    /// <summary>
    /// The limits as they stand at <paramref name="now"/>: the raises whose cooling-off is over, made the limits; an
    /// exclusion that ended, forgotten (the stored row keeps both until its next change).
    /// </summary>
    public static PlayerLimits Matured(PlayerLimits s, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.RaisedDailyFrom is { } d && d <= now)
            s = s with { DailyMinor = s.RaisedDailyMinor, RaisedDailyMinor = null, RaisedDailyFrom = null };
        if (s.RaisedMonthlyFrom is { } m && m <= now)
            s = s with { MonthlyMinor = s.RaisedMonthlyMinor, RaisedMonthlyMinor = null, RaisedMonthlyFrom = null };
        if (s.ExcludedUntil is { } until && until <= now)
            s = s with { Exclusion = null, ExcludedUntil = null };
        return s;
    }
}
