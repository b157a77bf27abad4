using ContestPipeline.Payout;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, PayoutWorker.Definition);
