using System.CommandLine;
using Emmap.Streams.Cli.Commands;

namespace Emmap.Streams.Cli;

/// <summary>The <c>emmap</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("Emmap.Streams: memory-mapped files, atomic counters and a persistent queue for .NET.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CountersCommand.Create());
        root.Subcommands.Add(QueueCommand.Create());
        root.Subcommands.Add(ChildCommand.Create());
        return root.Parse(args).Invoke();
    }
}
