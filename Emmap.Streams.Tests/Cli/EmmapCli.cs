using System;
using System.Diagnostics;
using System.Threading.Tasks;

using Emmap.Streams.Tests.Support;

namespace Emmap.Streams.Tests.Cli;

/// <summary>Runs the <c>emmap</c> command as a real process, as a shell script would.</summary>
internal static class EmmapCli
{
    // A guard against a hung command, not a timing assertion.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromMinutes(1);

    public static CliResult Run(params string[] arguments) => Run(DotnetApp.StartInfo(DotnetApp.Cli, arguments), arguments);

    /// <summary>Runs the command with its standard output sent to <c>/dev/full</c>, where every write fails (Linux).</summary>
    public static CliResult RunWithFullOutput(params string[] arguments)
    {
        // The same run, started through a shell that points its standard output at the device first.
        ProcessStartInfo start = DotnetApp.StartInfo(DotnetApp.Cli, arguments);
        string[] command = ["-c", "exec \"$@\" > /dev/full", "sh", start.FileName, .. start.ArgumentList];
        start.FileName = "/bin/sh";
        start.ArgumentList.Clear();
        foreach (string argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        return Run(start, arguments);
    }

    private static CliResult Run(ProcessStartInfo start, string[] arguments)
    {
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start emmap.");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_hangGuard))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"emmap {string.Join(' ', arguments)} did not exit.");
        }

        process.WaitForExit();
        // The command writes the platform's line ending; the tests compare lines.
        return new CliResult(
            process.ExitCode,
            output.GetAwaiter().GetResult().ReplaceLineEndings("\n"),
            error.GetAwaiter().GetResult().ReplaceLineEndings("\n"));
    }
}
