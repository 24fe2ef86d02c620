using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.Linq;
using Emmap.Streams.Cli.Commands;

namespace Emmap.Streams.Cli;

/// <summary>The <c>emmap</c> command.</summary>
internal static class Program
{
    private const string Description =
        """
        Emmap.Streams: memory-mapped files, atomic counters and a persistent queue for .NET.

        Exit codes: 0 done; 1 bad command line; 7 any other error. Each command's help lists its own codes in between.
        """;

    private static int Main(string[] args)
    {
        var root = new RootCommand(Description);
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CountersCommand.Create());
        root.Subcommands.Add(QueueCommand.Create());
        root.Subcommands.Add(ChildCommand.Create());
        ShortListing(root, new Dictionary<string, string>
        {
            ["demo"] = "Run emmap's README scenarios with Emmap.Streams on temporary files.",
            ["counters"] = "Create, list, read and change a persistent counter file.",
            ["queue"] = "Push, pop, peek, inspect and verify a persistent queue file.",
        });
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
#pragma warning disable CA1031 // The last line of defence: whatever a command failed to foresee reaches the user as one plain line.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"emmap: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Lists each command with a one-line summary in the root's help; a command's own help keeps its whole description.</summary>
    private static void ShortListing(RootCommand root, Dictionary<string, string> summaries)
    {
        HelpOption help = root.Options.OfType<HelpOption>().First();
        help.Action = new RootHelpAction(root, help.Action!, summaries);
    }
}
