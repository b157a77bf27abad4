using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// A fact another worker reports, checked against what Settlement recorded. A message that
/// does not match is a bug in its producer or a forged message: it is rejected, naming every
/// field that differs, and dead-lettered with an alert rather than booked.
/// </summary>
public static class Recorded
{
    public static void RejectIfDifferent(string subject, params (string Field, object? Reported,
        string Recorded, object? Value)[] fields)
    {
        var differences = fields.Where(f => !Equals(f.Reported, f.Value))
            .Select(f => $"{f.Field} {Show(f.Reported)} differs from the {f.Recorded} {Show(f.Value)}").ToList();
        if (differences.Count > 0)
            throw new MessageRejectedException($"{subject}: {string.Join(" | ", differences)}");
    }

    private static string Show(object? value) => value is string s ? $"'{s}'" : value?.ToString() ?? "null";
}
