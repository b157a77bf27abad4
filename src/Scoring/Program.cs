using ContestPipeline.Scoring.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, ScoringWorker.Definition);
