using System.CommandLine;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Cpctl.Credentials;

/// <summary>
/// cpctl operator-key issue: an operator's own key, of one role, written for the operator alone (a file only they
/// keep, sealed under a password, for cpctl, and to seal into the console's operators file), and the key it gives
/// each service that verifies operators' decisions, written into the signing-keys folder every service's own folder
/// is laid out from (<c>cpctl compose keys</c>). Rolling a key is issuing one with a new key id: the services accept
/// both while both are in their folders, and the old one is deleted once the operator signs with the new one.
/// cpctl operator-key seal: the operator's key file sealed again under a password of their own.
/// </summary>
public static class OperatorKeyCommand
{
    public static Command Build()
    {
        var name = new Option<string>("--name") { Description = "the operator (their console name)", Required = true };
        var role = new Option<string>("--role")
        {
            Description = $"what the key may sign, bound into it for good: {string.Join(", ", OperatorRoles.All)}",
            Required = true,
        };
        var keyId = new Option<string?>("--key-id") { Description = "the key's id (default: the date, yyyy-MM-dd)" };
        var output = new Option<string>("--out") { Description = "the key file to write (theirs)", Required = true };
        var keys = new Option<string>("--keys-dir")
        {
            Description = "the signing-keys folder the services' folders are made from " +
                "(operators/<name>/<service>/<key id>.<role>.key)",
            Required = true,
        };
        var password = new Option<string?>("--password")
        {
            Description = "the password the key file is sealed under (default: a new one, printed once)",
        };
        var issue = new Command("issue", "issue an operator's own key") { name, role, keyId, output, keys, password };
        issue.SetAction(parse => Issue(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(keyId),
            parse.GetValue(output)!, parse.GetValue(keys)!, parse.GetValue(password)));
        var file = new Option<string>("--key") { Description = "the operator's key file", Required = true };
        var reseal = new Command("seal", "seal an operator's key file under a new password (theirs)")
        {
            file, password,
        };
        reseal.SetAction(parse => Seal(parse.GetValue(file)!, parse.GetValue(password)));
        return new Command("operator-key", "operators' own keys, which sign their decisions") { issue, reseal };
    }

    public static int Issue(string name, string role, string? keyId, string output, string keysDirectory,
        string? password = null)
    {
        try
        {
            if (File.Exists(output))
                throw new StartupException($"{output} exists; an operator's key is never overwritten");
            var key = OperatorKey.Generate(name, keyId ?? OperatorTool.Clock.GetUtcNow().ToString("yyyy-MM-dd",
                System.Globalization.CultureInfo.InvariantCulture), role);
            var consumers = KeyPairs.OperatorKeyHolders;
            key.IssueTo(keysDirectory, consumers);
            var generated = password is null;
            password ??= ConsoleCommands.NewPassword();
            key.WriteTo(output, password);
            Console.WriteLine($"operator {key.Operator}'s key {key.KeyId} ({key.Role}) written to {output}, sealed " +
                "under a password (theirs alone, the file and the password given apart; they can seal it under " +
                "their own with cpctl operator-key seal); its keys for " +
                $"{string.Join(", ", consumers)} written under {keysDirectory}; lay out the services' " +
                "folders again (cpctl compose keys) and restart them, then seal it into the console's operators file " +
                "(cpctl console operator add ... --operator-key FILE)" + (generated ? $"; password: {password}" : ""));
            return 0;
        }
        catch (Exception e) when (e is StartupException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"operator-key issue: {e.Message}");
            return 1;
        }
    }

    /// <summary>Opens the key file (with its password, if sealed) and writes it again sealed under a new one.</summary>
    public static int Seal(string path, string? password)
    {
        try
        {
            var key = OperatorKey.Read(path);
            var generated = password is null;
            password ??= ConsoleCommands.NewPassword();
            key.WriteTo(path, password);
            Console.WriteLine($"operator {key.Operator}'s key {key.KeyId} ({key.Role}) in {path} sealed under a new " +
                "password" + (generated ? $": {password}" : ""));
            return 0;
        }
        catch (Exception e) when (e is StartupException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"operator-key seal: {e.Message}");
            return 1;
        }
    }
}
