using ContestPipeline.OperationsConsole;

return await ConsoleApp.RunAsync(args);
