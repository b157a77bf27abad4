using ContestPipeline.Webhooks;

return await WebhookReceiverHost.RunAsync(listenUrl: null, CancellationToken.None);
