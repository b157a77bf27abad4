using System.CommandLine;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Cpctl.Provisioning;

/// <summary>
/// cpctl compose: prints docker-compose.yml, generated from the services' definition
/// (src/Deployment/Services.cs); cpctl compose keys lays out each service's signing-keys folder.
/// </summary>
public static class ComposeCommand
{
    public static Command Build()
    {
        var compose = new Command("compose",
            "print docker-compose.yml, generated from every service's identity (role, secrets, signing keys, " +
            "settings): ./run cpctl compose > docker-compose.yml");
        compose.SetAction(_ =>
        {
            Console.Out.Write(ComposeFile.Render());
            return 0;
        });
        compose.Subcommands.Add(Keys());
        return compose;
    }

    private static Command Keys()
    {
        var from = new Option<string>("--from")
        {
            Description = "a folder with every pair's keys (<producer>/<consumer>/<key id>.key)", Required = true,
        };
        var to = new Option<string>("--to")
        {
            Description = "where each service's folder goes", DefaultValueFactory = _ => "deploy/secrets/signing-keys",
        };
        var keys = new Command("keys",
            "lay out each service's signing-keys folder (the one compose mounts) from every pair's keys: " +
            "each gets only its own material")
            { from, to };
        keys.SetAction(parse =>
        {
            var target = parse.GetValue(to)!;
            try
            {
                foreach (var service in KeyMaterialFiles.WriteAll(parse.GetValue(from)!, target))
                {
                    var pairs = Services.Of(service).Keys!.Pairs.Count;
                    Console.WriteLine($"{service}: {pairs} pair key folder(s) -> {Path.Combine(target, service)}");
                }
                return 0;
            }
            catch (StartupException e)
            {
                Console.Error.WriteLine("compose keys: " + e.Message);
                return 1;
            }
        });
        return keys;
    }
}
