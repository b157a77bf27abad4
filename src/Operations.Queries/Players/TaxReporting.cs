namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// The tax year's reporting flag: a recipient whose prizes paid in a calendar year (UTC) reach the
/// threshold (600.00 by default, the US 1099 line) is reportable.
/// </summary>
public static class TaxReporting
{
    /// <summary>US reporting of prize winnings starts at 600.00 a year.</summary>
    public const long ThresholdDefault = 600_00;
    public const string ThresholdSetting = "CONTESTPIPELINE_TAX_REPORTING_THRESHOLD_MINOR";

    public static bool Reportable(long paidInYearMinor, long thresholdMinor) => paidInYearMinor >= thresholdMinor;

    /// <summary>The CSV of a tax year, as the console downloads it and cpctl writes it.</summary>
    public static string Csv(int year, IEnumerable<TaxRow> rows, long thresholdMinor)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new System.Text.StringBuilder("year,player_id,currency,paid_minor,fees_minor,payouts,reportable\n");
        foreach (var r in rows)
            csv.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{year},{CsvField(r.PlayerId)},{r.Currency},{r.PaidMinor},{r.FeesMinor},{r.Payouts}," +
                $"{(Reportable(r.PaidMinor, thresholdMinor) ? "yes" : "no")}\n");
        return csv.ToString();
    }

    /// <summary>A CSV field, quoted when it must be, and never read as a formula by a spreadsheet.</summary>
    public static string CsvField(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" +
            value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
