using System.CommandLine;

namespace Emmap.Streams.Cli.Commands;

/// <summary><c>emmap queue FILE ...</c>: push, pop, peek, inspect and verify a persistent queue file.</summary>
internal static class QueueCommand
{
    public static Command Create() => new("queue", "Work with a persistent queue file.");
}
