using System.CommandLine;
using ContestPipeline.Local;

var root = new RootCommand("""
    cpdev: ContestPipeline's development tool, never deployed.
    The local Kafka-protocol broker and its topics, the whole stack on this machine (up), the demo (the
    main job, end to end), the fault campaign, fuzzers and benchmarks. The operator's tool is cpctl.
    """);
foreach (var command in DevCommands.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
