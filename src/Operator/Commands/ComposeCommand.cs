using System.CommandLine;
using ContestPipeline.Deployment;

namespace ContestPipeline.Operator.Commands;

/// <summary>cpctl compose: prints docker-compose.yml, generated from the services' definition (src/Deployment/Services.cs).</summary>
public static class ComposeCommand
{
    public static Command Build()
    {
        var compose = new Command("compose",
            "print docker-compose.yml, generated from every service's identity (role, secrets, signing keys, settings): ./run cpctl compose > docker-compose.yml");
        compose.SetAction(_ =>
        {
            Console.Out.Write(ComposeFile.Render());
            return 0;
        });
        var from = new Option<string>("--from") { Description = "a folder with every producer's keys (<producer>/<key id>.key)", Required = true };
        var to = new Option<string>("--to") { Description = "where each service's folder goes", DefaultValueFactory = _ => "deploy/secrets/signing-keys" };
        var keys = new Command("keys", "lay out each service's signing-keys folder (the one compose mounts) from every producer's keys: each gets only its own material")
            { from, to };
        keys.SetAction(parse =>
        {
            var written = KeyMaterialFiles.WriteAll(parse.GetValue(from)!, parse.GetValue(to)!);
            foreach (var service in written) Console.WriteLine($"{service}: {Services.Of(service).Keys!.Producers.Count} producer(s) -> {Path.Combine(parse.GetValue(to)!, service)}");
            return 0;
        });
        compose.Subcommands.Add(keys);
        return compose;
    }
}
