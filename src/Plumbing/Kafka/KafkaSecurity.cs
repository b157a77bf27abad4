using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// How a process authenticates to Kafka and encrypts its connections: plaintext (the local
/// broker), TLS with an optional client certificate (mutual TLS), or SASL_SSL with SCRAM-SHA-512.
/// Secrets (the SASL password, the key's password) may come from files through the
/// <c>_FILE</c> variants; certificates and keys are always files. librdkafka must have been
/// built with OpenSSL, which also gives it SCRAM (librdkafka.redist has both; a test checks).
/// </summary>
public sealed record KafkaSecurity
{
    public const string ProtocolVariable = "CONTESTPIPELINE_KAFKA_SECURITY_PROTOCOL";
    public const string SaslMechanismVariable = "CONTESTPIPELINE_KAFKA_SASL_MECHANISM";
    public const string SaslUsernameVariable = "CONTESTPIPELINE_KAFKA_SASL_USERNAME";
    public const string SaslPasswordVariable = "CONTESTPIPELINE_KAFKA_SASL_PASSWORD";
    public const string CaVariable = "CONTESTPIPELINE_KAFKA_SSL_CA_LOCATION";
    public const string CertificateVariable = "CONTESTPIPELINE_KAFKA_SSL_CERTIFICATE_LOCATION";
    public const string KeyVariable = "CONTESTPIPELINE_KAFKA_SSL_KEY_LOCATION";
    public const string KeyPasswordVariable = "CONTESTPIPELINE_KAFKA_SSL_KEY_PASSWORD";

    public const string ScramSha512 = "SCRAM-SHA-512";

    public static KafkaSecurity Plaintext { get; } = new();

    public SecurityProtocol Protocol { get; init; } = SecurityProtocol.Plaintext;
    public string? SaslMechanism { get; init; }
    public string? SaslUsername { get; init; }
    public string? SaslPassword { get; init; }
    public string? CaLocation { get; init; }
    public string? CertificateLocation { get; init; }
    public string? KeyLocation { get; init; }
    public string? KeyPassword { get; init; }

    public bool UsesTls => Protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;

    /// <summary>The librdkafka features these settings need (its builtin.features names).</summary>
    public IEnumerable<string> NativeFeatures()
    {
        if (UsesTls) yield return "ssl";
        if (Protocol == SecurityProtocol.SaslSsl) yield return "sasl_scram";
    }

    private static readonly Lazy<KafkaSecurity> FromEnvironment = new(() => Read(null));

    /// <summary>
    /// The process's settings from its environment, read once (what a client made without explicit
    /// settings uses).
    /// </summary>
    public static KafkaSecurity Environment => FromEnvironment.Value;

    /// <summary>Reads and checks the settings; a wrong or incomplete one is a start-up error naming it.</summary>
    public static KafkaSecurity Read(IConfiguration? configuration)
    {
        var protocolText = Setting.Text(configuration, ProtocolVariable)?.ToLowerInvariant();
        var protocol = protocolText switch
        {
            null or "plaintext" => SecurityProtocol.Plaintext,
            "ssl" => SecurityProtocol.Ssl,
            "sasl_ssl" => SecurityProtocol.SaslSsl,
            _ => throw new StartupException($"{ProtocolVariable}: '{protocolText}' is not one of plaintext, ssl, "
                + "sasl_ssl (SASL without TLS would send the password in the clear)"),
        };
        var security = new KafkaSecurity
        {
            Protocol = protocol,
            SaslMechanism = Setting.Text(configuration, SaslMechanismVariable)
                ?? (protocol == SecurityProtocol.SaslSsl ? ScramSha512 : null),
            SaslUsername = Setting.Text(configuration, SaslUsernameVariable),
            SaslPassword = Setting.Text(configuration, SaslPasswordVariable),
            CaLocation = File(configuration, CaVariable),
            CertificateLocation = File(configuration, CertificateVariable),
            KeyLocation = File(configuration, KeyVariable),
            KeyPassword = Setting.Text(configuration, KeyPasswordVariable),
        };
        var problems = security.Problems().ToList();
        return problems.Count == 0 ? security : throw new StartupException(string.Join("; ", problems));
    }

    private IEnumerable<string> Problems()
    {
        if (Protocol == SecurityProtocol.SaslSsl)
        {
            if (SaslMechanism is not (ScramSha512 or "SCRAM-SHA-256"))
                yield return $"{SaslMechanismVariable}: '{SaslMechanism}' is not SCRAM-SHA-512 or SCRAM-SHA-256";
            if (SaslUsername is null)
                yield return $"{SaslUsernameVariable} is not set: sasl_ssl needs the service's principal";
            if (SaslPassword is null)
                yield return $"{SaslPasswordVariable} (or {SaslPasswordVariable}{Setting.FileSuffix}) is not set: "
                    + "sasl_ssl needs the principal's password";
        }
        else if (SaslUsername is not null || SaslPassword is not null)
        {
            yield return
                $"{SaslUsernameVariable}/{SaslPasswordVariable} are set but {ProtocolVariable} is not sasl_ssl";
        }
        if (!UsesTls && (CaLocation ?? CertificateLocation ?? KeyLocation) is not null)
            yield return $"TLS files are set but {ProtocolVariable} is {Protocol.ToString().ToLowerInvariant()}";
        if ((CertificateLocation is null) != (KeyLocation is null))
            yield return $"{CertificateVariable} and {KeyVariable} go together "
                + "(mutual TLS needs both the certificate and its key)";
    }

    private static string? File(IConfiguration? configuration, string name)
    {
        var path = Setting.Text(configuration, name);
        if (path is not null && !System.IO.File.Exists(path))
            throw new StartupException($"{name}: {path} does not exist");
        return path;
    }

    /// <summary>Puts these settings on a client's configuration.</summary>
    public T ApplyTo<T>(T config) where T : ClientConfig
    {
        config.SecurityProtocol = Protocol;
        if (Protocol == SecurityProtocol.SaslSsl)
        {
            config.SaslMechanism = SaslMechanism == ScramSha512
                ? Confluent.Kafka.SaslMechanism.ScramSha512
                : Confluent.Kafka.SaslMechanism.ScramSha256;
            config.SaslUsername = SaslUsername;
            config.SaslPassword = SaslPassword;
        }
        if (UsesTls)
        {
            // Brokers' names are checked against their certificates (librdkafka's default, said again here).
            config.SslEndpointIdentificationAlgorithm = SslEndpointIdentificationAlgorithm.Https;
            if (CaLocation is not null) config.SslCaLocation = CaLocation;
            if (CertificateLocation is not null) config.SslCertificateLocation = CertificateLocation;
            if (KeyLocation is not null) config.SslKeyLocation = KeyLocation;
            if (KeyPassword is not null) config.SslKeyPassword = KeyPassword;
        }
        return config;
    }

    /// <summary>Never prints the secrets.</summary>
    public override string ToString() =>
        Protocol == SecurityProtocol.SaslSsl ? $"sasl_ssl ({SaslMechanism}, principal {SaslUsername})"
        : Protocol == SecurityProtocol.Ssl ? (CertificateLocation is null ? "ssl" : "ssl (mutual TLS)")
        : "plaintext";
}
