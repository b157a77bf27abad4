using System.Text.Json;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using Microsoft.AspNetCore.Identity;

namespace ContestPipeline.Deployment;

/// <summary>
/// One operator who may sign in: a name, a role, a salted password hash (ASP.NET Core's PasswordHasher, PBKDF2),
/// and their own operator's key sealed under their password (<see cref="SealedOperatorKey"/>), without which
/// they cannot sign in: every decision and every audit record is signed with it. Approvers and admins also have
/// a TOTP secret sealed the same way (<see cref="OperatorTotp"/>), without which they cannot sign in either.
/// </summary>
public sealed record OperatorAccount(string Name, string Role, string PasswordHash, SealedOperatorKey? Key = null,
    SealedTotpSecret? Totp = null);

/// <summary>
/// The operators who may sign in, from the operators file: JSON
/// <c>{"operators":[{"name":"ann","role":"admin","passwordHash":"AQAAAA..."}]}</c>. No password is
/// ever kept in it, only its salted hash (<c>cpctl console operator add</c> writes one).
/// </summary>
public sealed class Operators
{
    private static readonly PasswordHasher<OperatorAccount> Hasher = new();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly Dictionary<string, OperatorAccount> _byName;

    public Operators(IEnumerable<OperatorAccount> accounts) =>
        _byName = accounts.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<OperatorAccount> All => _byName.Values;

    /// <summary>Reads and checks the file's text: every operator named once, with a known role and a hash.</summary>
    public static Operators Parse(string json, string where)
    {
        File? file;
        try
        {
            file = JsonSerializer.Deserialize<File>(json, Json);
        }
        catch (JsonException e)
        {
            throw new StartupException($"{where}: not a readable operators file: {e.Message}");
        }
        var accounts = file?.Operators ?? [];
        if (accounts.Count == 0) throw new StartupException($"{where}: no operators; nobody could sign in");
        foreach (var a in accounts)
        {
            if (string.IsNullOrWhiteSpace(a.Name) || string.IsNullOrWhiteSpace(a.PasswordHash))
                throw new StartupException($"{where}: every operator needs a name and a passwordHash");
            if (OperatorRoles.Rank(a.Role) < 0)
                throw new StartupException($"{where}: operator {a.Name} has role '{a.Role}'; " +
                    $"roles are {string.Join(", ", OperatorRoles.All)}");
        }
        var twice = accounts.GroupBy(a => a.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new StartupException($"{where}: operator {twice.Key} is listed twice");
        return new Operators(accounts);
    }

    /// <summary>The operator of that name, or null.</summary>
    public OperatorAccount? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// The operator when the name and password match; null otherwise (the same answer whichever was wrong).
    /// </summary>
    public OperatorAccount? Verify(string? name, string? password)
    {
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password)) return null;
        if (!_byName.TryGetValue(name, out var account))
        {
            // Spend the same work on an unknown name, so timing does not tell names apart.
            Hasher.VerifyHashedPassword(new OperatorAccount("", "", ""), DummyHash, password);
            return null;
        }
        return Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed
            ? null
            : account;
    }

    public static string Hash(string password) => Hasher.HashPassword(new OperatorAccount("", "", ""), password);

    private static readonly string DummyHash = Hash("not a password anyone has");

    /// <summary>The file's text with <paramref name="account"/> added (or replaced).</summary>
    public static string WithAccount(string? json, OperatorAccount account)
    {
        var accounts = string.IsNullOrWhiteSpace(json)
            ? []
            : JsonSerializer.Deserialize<File>(json, Json)?.Operators ?? [];
        accounts =
            [.. accounts.Where(a => !string.Equals(a.Name, account.Name, StringComparison.OrdinalIgnoreCase)), account];
        return JsonSerializer.Serialize(new File(accounts), Json);
    }

    private sealed record File(List<OperatorAccount> Operators);
}
