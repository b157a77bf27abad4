using ContestPipeline.Operations.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, OperationsWorker.Definition);
