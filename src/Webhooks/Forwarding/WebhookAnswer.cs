namespace ContestPipeline.Webhooks.Forwarding;

/// <summary>What the receiver answers Stripe for one request: its outcome, the status code it means, and why.</summary>
public readonly record struct WebhookAnswer(WebhookOutcome Outcome, string Detail)
{
    public int StatusCode => Outcome switch
    {
        WebhookOutcome.Forwarded => 200,
        WebhookOutcome.BodyTooLarge => 413,
        WebhookOutcome.KafkaUnavailable or WebhookOutcome.Busy => 503,
        _ => 400,
    };
}
