using ContestPipeline.Deployment;
using System.CommandLine;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Cpctl;

/// <summary>
/// What cpctl's operations commands share: the settings, the read model to read, and the one
/// publish path of the operator tools (<see cref="DecisionPublisher"/>, producer <c>cpctl</c>),
/// with every action recorded in the audit trail (OperatorActed) like the console's.
/// </summary>
public sealed class OperatorTool : IAsyncDisposable
{
    public const string Producer = "cpctl";

    /// <summary>
    /// The tool's one clock: every time a command stamps on a decision, an audit record or a message, and "now"
    /// for checks and defaults.
    /// </summary>
    public static TimeProvider Clock { get; set; } = TimeProvider.System;

    public PipelineSettings Settings { get; }
    public NpgsqlDataSource ReadModel { get; }

    private DecisionPublisher? _publisher;

    private OperatorTool(PipelineSettings settings)
    {
        DapperDefaults.Apply();
        Settings = settings;
        ReadModel = NpgsqlDataSource.Create(settings.PostgresConnectionString);
    }

    /// <summary>The tool, or null after one line on stderr when the settings are wrong.</summary>
    public static async Task<OperatorTool?> OpenAsync(string command)
    {
        try
        {
            return new OperatorTool(PipelineSettings.Resolve());
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{command}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The operator the command names (<c>--operator</c>): in development and test, whose local key signs when
    /// no key is given (<see cref="OperatorKeys.Resolve"/>).
    /// </summary>
    public string? Claimed { get; set; }

    /// <summary>
    /// The tool for a command that acts as <paramref name="operator"/>, with the operator's key found before
    /// anything is read or published; or null after one line on stderr (no settings, or no key). It signs as the
    /// operator producer and with the operator's own key: a decision that names another operator than the key's is
    /// refused by every consumer.
    /// </summary>
    public static async Task<OperatorTool?> OpenAsync(string command, string @operator)
    {
        if (OperatorRefusal(@operator, KeyOperator()) is { } refusal)
        {
            await Console.Error.WriteLineAsync($"{command}: {refusal}");
            return null;
        }
        var tool = await OpenAsync(command);
        if (tool is null) return null;
        tool.Claimed = @operator;
        try
        {
            _ = tool.Publisher;
            return tool;
        }
        catch (StartupException e)
        {
            await tool.DisposeAsync();
            await Console.Error.WriteLineAsync($"{command}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// <c>--operator</c> of a command that acts as an operator: optional, since the operator is the one whose key
    /// is given (<c>--operator-key</c>); without a key (development and test) it names whose local key signs.
    /// </summary>
    public static Option<string> OperatorOption(string description) => new("--operator")
    {
        Description = description
            + "; default: the operator of your key (--operator-key), and if given it must be that operator",
        DefaultValueFactory = _ => KeyOperator() ?? OperatorKeys.LocalOperator() ?? "",
    };

    /// <summary>
    /// The operator of the key given with <c>--operator-key</c> (or its setting); null when none is given or it cannot
    /// be read.
    /// </summary>
    public static string? KeyOperator()
    {
        if (Environment.GetEnvironmentVariable(OperatorKey.FileVariable) is not { Length: > 0 } file) return null;
        try
        {
            return OperatorKey.OperatorOf(file);
        }
        catch (StartupException)
        {
            return null; // said when the key is used to sign, with what is wrong with it
        }
    }

    /// <summary>
    /// Why <paramref name="given"/> (<c>--operator</c>) cannot stand with the key's operator: a name other than the
    /// key's (the decision would name one operator and be signed by another), or no name at all without a key (saying
    /// where local runs keep the local operators' keys).
    /// </summary>
    public static string? OperatorRefusal(string? given, string? keyOperator) =>
        keyOperator is not null && !string.IsNullOrEmpty(given)
            && !string.Equals(given, keyOperator, StringComparison.Ordinal)
            ? $"--operator {given} is not the operator of the key given ({keyOperator}); nothing was sent: "
                + "leave --operator out or give your own key"
            : keyOperator is null && string.IsNullOrWhiteSpace(given)
                ? "--operator NAME is required when no --operator-key FILE is given (local runs: the local "
                    + $"operators' keys are in {OperatorKeys.LocalDirectoryDefault}, NAME.operator-key)"
                : null;

    public DecisionPublisher Publisher => _publisher ??= new DecisionPublisher(Settings.KafkaBootstrapServers, Producer,
        Signer(Settings, Claimed), NullLogger.Instance);

    /// <summary>The acting operator's own key (what seals a contest definition).</summary>
    public OperatorKey Key => _key ??= OperatorKeys.Resolve(Settings.Environment, Claimed);

    private OperatorKey? _key;

    /// <summary>The operator producer's signer, also signing with the operator's own key.</summary>
    public static MessageSigner Signer(PipelineSettings settings, string? claimed) =>
        SigningKeys.Resolve(null, settings.Environment).SignerFor(Producers.Operator, readersOf: KeyPairs.ReadersOf)
            .As(OperatorKeys.Resolve(settings.Environment, claimed));

    public async Task PublishAsync<T>(string topic, string key, string messageId, T body, CancellationToken ct)
        where T : IMessage
    {
        if (body is IOperatorDecision decision) Claimed ??= decision.Operator;
        await Publisher.PublishAsync(topic, key, messageId, body, Clock.GetUtcNow(), ct);
    }

    /// <summary>Records the action in the audit trail; cpctl has no sign-in, so the role is the tool's own.</summary>
    public Task AuditAsync(string @operator, string actionId, string action, string subject, string reason,
        string outcome, CancellationToken ct)
    {
        Claimed ??= @operator;
        var body = new OperatorActed(actionId, @operator, "cli", action, subject, reason, outcome, Producer,
            Clock.GetUtcNow());
        return Publisher.PublishAsync(Topics.Operations, @operator, OperatorActed.MessageIdFor(actionId), body,
            body.At, ct);
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static async Task<int> FailAsync(string command, string message)
    {
        await Console.Error.WriteLineAsync($"{command}: {message}");
        return 1;
    }

    public async ValueTask DisposeAsync()
    {
        _publisher?.Dispose();
        await ReadModel.DisposeAsync();
    }
}
