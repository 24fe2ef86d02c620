using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace Emmap.Streams.Tests.Cli;

/// <summary>Runs the <c>emmap</c> command as a real process, as a shell script would.</summary>
internal static class EmmapCli
{
    // A guard against a hung command, not a timing assertion.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromMinutes(1);

    public static CliResult Run(params string[] arguments)
    {
        string cliDll = Path.Combine(AppContext.BaseDirectory, "emmap.dll");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cliDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

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
        return new CliResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
