using System.CommandLine;

namespace Emmap.Streams.Cli.Commands;

/// <summary><c>emmap counters FILE ...</c>: create, list, read and change persistent counters from the shell.</summary>
internal static class CountersCommand
{
    public static Command Create() => new("counters", "Work with an emmap counter file.");
}
