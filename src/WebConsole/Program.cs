using ContestPipeline.WebConsole.Extensions;

return await ConsoleApp.RunAsync(args);
