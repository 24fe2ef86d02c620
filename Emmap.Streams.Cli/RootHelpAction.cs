using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Linq;

namespace Emmap.Streams.Cli;

/// <summary>
/// Help for <c>emmap</c> itself: each command on one line with a short summary, where the default help would repeat every
/// command's whole description. Help for a command (<c>emmap queue --help</c>) is the default one.
/// </summary>
internal sealed class RootHelpAction(RootCommand root, CommandLineAction commandHelp, IReadOnlyDictionary<string, string> summaries)
    : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command != root)
        {
            return commandHelp is SynchronousCommandLineAction help ? help.Invoke(parseResult) : 0;
        }

        Console.WriteLine("Description:");
        foreach (string line in root.Description!.Split('\n'))
        {
            Console.WriteLine(line.Length == 0 ? string.Empty : "  " + line);
        }

        Console.WriteLine();
        Console.WriteLine("Usage:");
        Console.WriteLine("  emmap [command] [options]");
        Console.WriteLine();
        Console.WriteLine("Options:");
        Console.WriteLine("  -?, -h, --help  Show help and usage information");
        Console.WriteLine("  --version       Show version information");
        Console.WriteLine();
        Console.WriteLine("Commands:");
        List<Command> commands = root.Subcommands.Where(c => !c.Hidden).ToList();
        List<string> labels = commands.Select(c => string.Join(' ', [c.Name, .. c.Arguments.Select(a => $"<{a.Name}>")])).ToList();
        int width = labels.Max(l => l.Length) + 2;
        for (int i = 0; i < commands.Count; i++)
        {
            string summary = summaries.TryGetValue(commands[i].Name, out string? s) ? s : commands[i].Description ?? string.Empty;
            Console.WriteLine($"  {labels[i].PadRight(width)}{summary}");
        }

        Console.WriteLine();
        Console.WriteLine("Run 'emmap [command] --help' for a command's verbs, arguments and exit codes.");
        return 0;
    }
}
