using ContestPipeline.Settlement;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, SettlementWorker.Definition);
