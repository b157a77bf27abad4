namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A restricted API key (rk_test_...) as a platform makes one in Stripe's Dashboard: a name that says who holds it,
/// the key, and what it may do (<see cref="StripePermissions"/>). A call outside its permissions is refused with
/// Stripe's 403 naming the permission that would allow it.
/// </summary>
public sealed record RestrictedKey(string Name, string Key, IReadOnlySet<string> Permissions)
{
    public RestrictedKey(string name, string key, params string[] permissions)
        : this(name, key, new HashSet<string>(permissions, StringComparer.Ordinal))
    {
    }

    public bool Allows(string permission) => StripePermissions.Covers(Permissions, permission);
}
