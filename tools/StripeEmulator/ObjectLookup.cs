namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Finding an object by id, refused the way each surface refuses: /v1 with Stripe's 404 resource_missing naming
/// the parameter that named it, test control with KeyNotFoundException (404 on /_emulator).
/// </summary>
internal static class ObjectLookup
{
    public static T Api<T>(IReadOnlyDictionary<string, T> objects, string id, string kind, string param = "id") =>
        objects.TryGetValue(id, out var found) ? found : throw ApiError.Missing(kind, id, param);

    public static T Control<T>(IReadOnlyDictionary<string, T> objects, string id) =>
        objects.TryGetValue(id, out var found) ? found
            : throw new KeyNotFoundException($"no {typeof(T).Name.ToLowerInvariant()} {id}");

    /// <summary>A currency as test control gives it, lower-cased as Stripe writes it.</summary>
    public static string Currency(string currency) =>
        currency.Length == 3 && currency.All(char.IsAsciiLetter)
            ? currency.ToLowerInvariant()
            : throw new ArgumentException($"not an ISO currency code: {currency}", nameof(currency));
}
