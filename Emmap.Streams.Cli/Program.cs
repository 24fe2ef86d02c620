using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using System.Text;
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
        Utf8WhenRedirected();
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
        VersionAlone(root);
        try
        {
            // No response files: an argument starting with '@' is a file name like any other, never a list of more arguments.
            ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parsed.Action is ParseErrorAction)
            {
                // A bad command line is one plain line on stderr per error, named as the command's own errors are, and no help.
                string prefix = ErrorPrefix(parsed.CommandResult);
                foreach (ParseError error in parsed.Errors)
                {
                    Console.Error.WriteLine($"{prefix}: {error.Message}");
                }

                return ExitCodes.Usage;
            }

            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
#pragma warning disable CA1031 // The last line of defence: whatever a command failed to foresee reaches the user as one plain line.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"emmap: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// How an error of <paramref name="command"/> begins: <c>emmap</c>, then the command and, for a queue, its verb (the counter
    /// commands name only themselves), as each command's own errors begin.
    /// </summary>
    private static string ErrorPrefix(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult { Parent: not null } named; result = named.Parent)
        {
            names.Insert(0, named.Command.Name);
        }

        if (names is ["counters", _, ..])
        {
            names.RemoveRange(1, names.Count - 1);
        }

        names.Insert(0, "emmap");
        return string.Join(' ', names);
    }

    /// <summary>
    /// Output that goes to a pipe or a file is UTF-8 on every system, as the queue items it prints are. On Windows it would
    /// otherwise be in the console's code page, which cannot show most of them.
    /// </summary>
    private static void Utf8WhenRedirected()
    {
        if (!OperatingSystem.IsWindows())
        {
            return;
        }

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        if (Console.IsOutputRedirected)
        {
            Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = true });
        }

        if (Console.IsErrorRedirected)
        {
            Console.SetError(new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true });
        }
    }

    /// <summary>Lists each command with a one-line summary in the root's help; a command's own help keeps its whole description.</summary>
    private static void ShortListing(RootCommand root, Dictionary<string, string> summaries)
    {
        HelpOption help = root.Options.OfType<HelpOption>().First();
        help.Action = new RootHelpAction(root, help.Action!, summaries);
    }

    /// <summary>Refuses <c>--version</c> with other arguments, as every command refuses extra ones.</summary>
    private static void VersionAlone(RootCommand root)
    {
        VersionOption version = root.Options.OfType<VersionOption>().First();
        version.Action = new VersionOnlyAction(version.Action!);
    }
}
