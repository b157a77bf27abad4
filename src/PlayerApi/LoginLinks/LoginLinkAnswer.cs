namespace ContestPipeline.PlayerApi.LoginLinks;

/// <summary>A login-link request's answer from Payout: <see cref="Outcome"/> is null while it waits.</summary>
public sealed record LoginLinkAnswer(string? Outcome, string? Url, string? Reason);
