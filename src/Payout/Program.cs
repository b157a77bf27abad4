using ContestPipeline.Payout.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, PayoutWorker.Definition);
