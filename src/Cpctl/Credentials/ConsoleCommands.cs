using System.CommandLine;
using System.Security.Cryptography;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Cpctl.Credentials;

/// <summary>
/// cpctl console operator add: an operator in the console's operators file, with a salted password hash (never the
/// password), and for approvers and admins a new TOTP secret for their authenticator (printed once as an otpauth URI).
/// </summary>
public static class ConsoleCommands
{
    public static Command Build()
    {
        var file = new Option<string>("--file")
        {
            Description = "the operators file (JSON) to add to; created if missing", Required = true,
        };
        var name = new Option<string>("--name") { Description = "the operator's sign-in name", Required = true };
        var role = new Option<string>("--role") { Description = "viewer, approver or admin", Required = true };
        var password = new Option<string?>("--password")
        {
            Description = "the password (a random one is made and printed if not given)",
        };
        var add = new Command("add", "add (or replace) an operator with a salted password hash")
        {
            file, name, role, password,
        };
        add.SetAction(parse =>
            AddOperator(parse.GetValue(file)!, parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(password)));
        return new Command("console", "the operations console's operators")
        {
            new Command("operator", "operators who may sign in") { add },
        };
    }

    public static int AddOperator(string file, string name, string role, string? password)
    {
        if (OperatorRoles.Rank(role) < 0)
        {
            Console.Error.WriteLine(
                $"console operator add: role '{role}' is not one of {string.Join(", ", OperatorRoles.All)}");
            return 1;
        }
        var generated = password is null;
        password ??= NewPassword();
        // The operator's own key (--operator-key), sealed under their password: without it they cannot sign in.
        OperatorKey? key;
        try
        {
            key = Environment.GetEnvironmentVariable(OperatorKey.FileVariable) is { Length: > 0 } keyFile
                ? OperatorKey.Read(keyFile) : null;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"console operator add: {e.Message}");
            return 1;
        }
        if (key is not null && key.Operator != name)
        {
            Console.Error.WriteLine($"console operator add: the key given is {key.Operator}'s, not {name}'s");
            return 1;
        }
        if (key is not null && key.Role != role)
        {
            Console.Error.WriteLine($"console operator add: the key given was issued for the role {key.Role}, " +
                $"not {role}: the services accept from {name} what the key's role allows " +
                "(cpctl operator-key issue --role)");
            return 1;
        }
        // Approvers and admins sign in with a code too: a new TOTP secret, sealed under the password like the key,
        // shown here once for their authenticator app and never again.
        var totp = OperatorTotp.Required(role) ? OperatorTotp.NewSecret() : null;
        var json = File.Exists(file) ? File.ReadAllText(file) : null;
        File.WriteAllText(file, Operators.WithAccount(json, new OperatorAccount(name, role, Operators.Hash(password),
            key is null ? null : SealedOperatorKey.Seal(key, password),
            totp is null ? null : SealedTotpSecret.Seal(name, totp, password))));
        const string keyless = "; no operator's key given (--operator-key FILE): they cannot sign in until one is";
        Console.WriteLine($"operator {name} ({role}) written to {file}"
            + (generated ? $"; password: {password}" : "") + (key is null ? keyless : ""));
        if (totp is not null)
            Console.WriteLine($"authenticator (shown once; add it to {name}'s authenticator app, then keep no copy): " +
                OperatorTotp.Uri(name, totp));
        return 0;
    }

    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');
}
