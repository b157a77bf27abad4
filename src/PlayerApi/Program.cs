using ContestPipeline.PlayerApi.Extensions;

return await PlayerApiApp.RunAsync(args);
