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
        var command = new Command("demo", "Run emmap's README scenarios with Emmap.Streams on temporary files, printing each step.");
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
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Demo failed: {ex}");
            return 1;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
