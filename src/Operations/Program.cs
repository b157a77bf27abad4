using ContestPipeline.Operations;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, OperationsWorker.Definition);
