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

    public static CliResult Run(params string[] arguments)
    {
        using Process process = DotnetApp.Start(DotnetApp.Cli, arguments);
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
