using System.Security.Cryptography;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.WebConsole.Domain;

namespace ContestPipeline.Operator.Commands;

/// <summary>cpctl console operator add: an operator in the console's operators file, with a salted password hash (never the password).</summary>
public static class ConsoleCommands
{
    public static int AddOperator(string file, string name, string role, string? password)
    {
        if (OperatorRoles.Rank(role) < 0)
        {
            Console.Error.WriteLine($"console operator add: role '{role}' is not one of {string.Join(", ", OperatorRoles.All)}");
            return 1;
        }
        var generated = password is null;
        password ??= NewPassword();
        var json = File.Exists(file) ? File.ReadAllText(file) : null;
        File.WriteAllText(file, Operators.WithAccount(json, new OperatorAccount(name, role, Operators.Hash(password))));
        Console.WriteLine($"operator {name} ({role}) written to {file}" + (generated ? $"; password: {password}" : ""));
        return 0;
    }

    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');
}
