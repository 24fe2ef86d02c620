using System;
using System.CommandLine;
using System.IO;
using Emmap.Streams.Cli.Demo;

namespace Emmap.Streams.Cli.Commands;

/// <summary><c>emmap demo</c>: the seed README's scenarios, end to end, on temporary files.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command(
            "demo",
            "Run the scenarios of emmap's README with Emmap.Streams on temporary files, printing each C# step and its result. " +
            "Exit codes: 0 done; 1 bad command line; 7 a step failed (the message says which).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        string directory = Path.Combine(Path.GetTempPath(), "emmap-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            Console.WriteLine($"Emmap.Streams demo (temporary files in {directory})");
            BasicUsageDemo.Run(directory);
            SharedMemoryDemo.RunDirect(directory);
            SharedMemoryDemo.RunShared(directory);
            SharedMemoryDemo.RunPrivate(directory);
            CounterDemo.Run(directory);
            QueueDemo.Run(directory);
            Console.WriteLine();
            Console.WriteLine("Demo finished.");
            return 0;
        }
#pragma warning disable CA1031 // Any failure of a step is reported as one line and the documented exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"emmap demo: a step failed: {ex.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
