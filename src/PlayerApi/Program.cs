using ContestPipeline.PlayerApi;

return await PlayerApiApp.RunAsync(args);
