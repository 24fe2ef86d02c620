using System;
using System.CommandLine;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
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
            "Exit codes: 0 done; 1 bad command line; 7 a step failed (the message says which); 130 interrupted by Ctrl-C or " +
            "SIGTERM (after the current step; the temporary files are deleted).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        string directory = Path.Combine(Path.GetTempPath(), "emmap-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);

        // Ctrl-C or SIGTERM would end the process at once, leaving the temporary files and the shared pages of the files still
        // open: take them as a request to stop after the current step instead, so that everything is closed and deleted.
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        Action<string>[] steps =
        [
            BasicUsageDemo.Run,
            SharedMemoryDemo.RunDirect,
            SharedMemoryDemo.RunShared,
            SharedMemoryDemo.RunPrivate,
            CounterDemo.Run,
            QueueDemo.Run,
        ];
        try
        {
            Console.WriteLine($"Emmap.Streams demo (temporary files in {directory})");
            foreach (Action<string> step in steps)
            {
                stop.Token.ThrowIfCancellationRequested();
                step(directory);
            }

            Console.WriteLine();
            Console.WriteLine("Demo finished.");
            return 0;
        }
#pragma warning disable CA1031 // Any failure of a step is reported as one line and the documented exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (stop.IsCancellationRequested)
            {
                // The signal also reaches a step's child process, so the step may have failed for it.
                Console.Error.WriteLine("emmap demo: interrupted; the temporary files were deleted.");
                return ExitCodes.Interrupted;
            }

            Console.Error.WriteLine($"emmap demo: a step failed: {ex.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
