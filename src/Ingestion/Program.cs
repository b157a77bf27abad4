using ContestPipeline.Ingestion;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, IngestionWorker.Definition);
