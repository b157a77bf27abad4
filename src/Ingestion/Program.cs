using ContestPipeline.Ingestion.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, IngestionWorker.Definition);
