using System;
using System.Diagnostics;
using System.IO;

namespace Emmap.Streams.Cli.Demo;

/// <summary>Runs this program again as a separate OS process (the <c>child</c> command) and returns what it printed.</summary>
internal static class ChildProcess
{
    public static string Run(params string[] arguments)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        start.ArgumentList.Add("child");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a child process.");
        string output = process.StandardOutput.ReadToEnd().TrimEnd('\n');
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The child process failed ({process.ExitCode}): {error}");
        }

        return output;
    }
}
