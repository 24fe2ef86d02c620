using System;
using System.CommandLine;
using Emmap.Streams.Cli.Demo;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// The demo's second OS process: <c>emmap child read FILE POSITION COUNT</c> maps FILE and prints the bytes.
/// Hidden from help; the demo starts it to show what another process sees.
/// </summary>
internal static class ChildCommand
{
    public static Command Create()
    {
        var command = new Command("child", "Used by the demo: act as a second process.") { Hidden = true };
        var verb = new Argument<string>("verb");
        var file = new Argument<string>("file");
        var position = new Argument<long>("position");
        var count = new Argument<int>("count");
        command.Arguments.Add(verb);
        command.Arguments.Add(file);
        command.Arguments.Add(position);
        command.Arguments.Add(count);
        command.SetAction(result =>
        {
            if (result.GetValue(verb) != "read")
            {
                Console.Error.WriteLine("unknown child verb");
                return 2;
            }

            using var stream = MappedFileStream.Open(result.GetValue(file)!);
            byte[] buffer = new byte[result.GetValue(count)];
            int read = stream.ReadAt(result.GetValue(position), buffer);
            Console.WriteLine(DemoConsole.Show(buffer.AsSpan(0, read)));
            return 0;
        });
        return command;
    }
}
