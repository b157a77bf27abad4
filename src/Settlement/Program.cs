using ContestPipeline.Settlement.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, SettlementWorker.Definition);
