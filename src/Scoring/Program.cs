using ContestPipeline.Scoring;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, ScoringWorker.Definition);
