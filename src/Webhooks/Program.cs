using ContestPipeline.Webhooks.Extensions;

return await WebhookReceiverHost.RunAsync(listenUrl: null, CancellationToken.None);
