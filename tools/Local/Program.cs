using System.CommandLine;
using System.Runtime.InteropServices;
using ContestPipeline.Local;

var root = new RootCommand("""
    cpdev: ContestPipeline's development tool, never deployed.
    The local Kafka-protocol broker and its topics, the whole stack on this machine (up), the demo (the
    main job, end to end), the fault campaign, fuzzers and benchmarks. The operator's tool is cpctl.
    """);
foreach (var command in DevCommands.All()) root.Subcommands.Add(command);
// SIGTERM (a container runtime's, systemd's, kill's) and SIGINT (Ctrl-C) both cancel the command,
// which then stops every process it started, each with its grace, before it exits: no deadline
// cuts that short and leaves a worker running without its parent.
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, stop));
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, stop));
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);

static void Stop(PosixSignalContext context, CancellationTokenSource stop)
{
    context.Cancel = true;
    stop.Cancel();
}
