using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Scoring;

return await PipelineWorker.RunAsync(args, ScoringWorker.Definition);
