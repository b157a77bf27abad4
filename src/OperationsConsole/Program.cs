using ContestPipeline.OperationsConsole.Extensions;

return await ConsoleApp.RunAsync(args);
