using ContestPipeline.Notifier;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, NotifierWorker.Definition);
