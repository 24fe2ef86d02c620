using System;

namespace Emmap.Streams.TestHost;

/// <summary>
/// A child process for the cross-process and crash tests. The first argument names the command;
/// its prefix picks the feature that handles it (<c>stream-</c>, <c>counter-</c>, <c>queue-</c>, <c>win-</c>).
/// Results go to stdout, one line each; failures to stderr with exit code 2.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Emmap.Streams.TestHost COMMAND ARGS...");
            return 2;
        }

        ParentWatch.Start();
        try
        {
            string command = args[0];
            int? result = command switch
            {
                _ when command.StartsWith("stream-", StringComparison.Ordinal) => StreamCommands.Run(args),
                _ when command.StartsWith("counter-", StringComparison.Ordinal) => CounterCommands.Run(args),
                _ when command.StartsWith("queue-", StringComparison.Ordinal) => QueueCommands.Run(args),
                _ when command.StartsWith("win-", StringComparison.Ordinal) => WindowsCommands.Run(args),
                _ => null,
            };
            if (result is { } code)
            {
                return code;
            }

            Console.Error.WriteLine($"unknown command {command}");
            return 2;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex);
            return 2;
        }
    }
}
