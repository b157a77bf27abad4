using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// The certificate an HTTP service serves its <c>https</c> URL with, from a PEM certificate and key (paths; compose
/// mounts them as secrets). A plain-HTTP URL serves no certificate, and is refused in production: what such a service
/// carries (an operator's password and cookies, a winner's onboarding link) would cross the network in clear.
/// </summary>
public sealed record ServerTls(string UrlSetting, string CertificateSetting, string KeySetting)
{
    /// <summary>The certificate for <paramref name="url"/>; null for plain HTTP outside production.</summary>
    public X509Certificate2? Certificate(string url, string? certificatePath, string? keyPath,
        DeploymentEnvironment environment, string service)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
            return environment == DeploymentEnvironment.Production
                ? throw new StartupException($"{UrlSetting}: '{url}' is plain HTTP; in production {service} serves "
                    + $"https ({CertificateSetting}, {KeySetting})")
                : null;
        if (certificatePath is null || keyPath is null)
            throw new StartupException($"{UrlSetting} is https: set {CertificateSetting} and {KeySetting} (PEM files)");
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException(
                $"{CertificateSetting}/{KeySetting}: cannot load {certificatePath} with {keyPath}: " + e.Message, e);
        }
    }
}
