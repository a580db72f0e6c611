using System.CommandLine;
using System.Globalization;
using FSpiNN.Dse.Study;

namespace FSpiNN.Cli.Commands;

/// <summary>`fspinn studies --store URL`: the studies a store holds, with their trial counts.</summary>
public static class StudiesCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Study file or PostgreSQL URL (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE).", Required = true };
        var command = new Command("studies", """
            List the studies in a store (a PostgreSQL database holds several; an SQLite file one), with their trial counts.
            Examples:
              fspinn studies --store postgresql://fspinn@db.lab:5432/studies
              fspinn studies --store runs/explore-default-grid-s1/study.db
            """) { store };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var studies = StudyStorage.ListStudies(parse.GetValue(store)!, new StorageOptions(parse.InvocationConfiguration.Error));
            if (studies.Count == 0)
            {
                output.WriteLine("no studies yet");
                return CliApp.Success;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"{"study",-32} {"space",-16} {"strategy",-9} {"seed",5} {"trials",7} {"complete",9} {"running",8} {"failed",7}");
            foreach (var s in studies)
                output.WriteLine(string.Create(inv, $"{s.Name,-32} {s.Definition.SpaceName,-16} {s.Definition.Strategy,-9} {s.Definition.Seed,5} {s.Trials,7} {s.Complete,9} {s.Running,8} {s.Failed,7}"));
            return CliApp.Success;
        });
        return command;
    }
}
