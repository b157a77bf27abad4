using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Cpctl.Provisioning;

/// <summary>
/// The topics job's second half (cpctl topics apply --acls): every service's Kafka principal, its
/// SCRAM-SHA-512 credential made from the same password file the service is given, and the ACLs
/// cpctl acls generates, through the admin API. Both are idempotent: a second run changes nothing.
/// </summary>
public static class KafkaAccess
{
    /// <summary>SCRAM's iteration count for the credentials it makes (Kafka's minimum is 4,096).</summary>
    public const int ScramIterations = 8_192;

    public static async Task<int> ApplyAsync(string bootstrapServers, KafkaSecurity security, string secretsDirectory,
        TextWriter output, TextWriter error,
        CancellationToken ct)
    {
        var credentials = new List<UserScramCredentialAlteration>();
        foreach (var principal in Services.CreatedPrincipals())
        {
            var file = Path.Combine(secretsDirectory, Services.KafkaPassword(principal));
            if (!File.Exists(file))
            {
                await error.WriteLineAsync(
                    $"topics: {file} is missing: the principal {principal} has no password to be created with");
                return 1;
            }
            credentials.Add(new UserScramCredentialUpsertion
            {
                User = principal,
                ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha512,
                    Iterations = ScramIterations },
                Password = Encoding.UTF8.GetBytes((await File.ReadAllTextAsync(file, ct)).Trim()),
            });
        }
        var acls = AclsCommand.Acls();
        using var admin = KafkaClients.Admin(bootstrapServers, null, security);
        try
        {
            await admin.AlterUserScramCredentialsAsync(credentials);
            await admin.CreateAclsAsync(acls.Select(a => a.ToBinding()));
        }
        catch (KafkaException e)
        {
            await error.WriteLineAsync($"topics: the principals or ACLs could not be applied: {e.Message}");
            return 1;
        }
        await output.WriteLineAsync($"{credentials.Count} principals (SCRAM-SHA-512) and {acls.Count} ACLs applied");
        return 0;
    }
}
