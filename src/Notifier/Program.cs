using ContestPipeline.Notifier.Extensions;
using ContestPipeline.Plumbing.Hosting;

return await PipelineWorker.RunAsync(args, NotifierWorker.Definition);
