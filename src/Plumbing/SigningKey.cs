namespace ContestPipeline.Plumbing;

/// <summary>
/// One pair key: the secret <see cref="Producer"/> signs its messages for <see cref="Consumer"/> with,
/// named by its key id. Only those two hold it.
/// </summary>
public sealed record SigningKey(string Producer, string Consumer, string KeyId, byte[] Secret, string? Role = null)
{
    public const int SecretBytesMin = 32;
}
