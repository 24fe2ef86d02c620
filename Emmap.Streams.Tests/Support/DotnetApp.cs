using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// Starts the programs the tests run as real OS processes (the test host and the <c>emmap</c> command), whose
/// assemblies are copied next to the test assembly, through the same dotnet host that runs the tests. On Windows
/// the tests run as a self-contained executable with no dotnet host: the programs' own executables are started.
/// </summary>
internal static class DotnetApp
{
    /// <summary>The child-process program of the cross-process and crash tests.</summary>
    public const string TestHost = "Emmap.Streams.TestHost.dll";

    /// <summary>The <c>emmap</c> command-line program.</summary>
    public const string Cli = "emmap.dll";

    private static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Describes a run of <paramref name="assembly"/> with <paramref name="arguments"/>, every stream redirected.</summary>
    public static ProcessStartInfo StartInfo(string assembly, IEnumerable<string> arguments)
    {
        string path = Path.Combine(AppContext.BaseDirectory, assembly);
        bool direct = OperatingSystem.IsWindows();
        var start = new ProcessStartInfo(direct ? Path.ChangeExtension(path, ".exe") : Host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        if (!direct)
        {
            start.ArgumentList.Add(path);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Starts <paramref name="assembly"/> with <paramref name="arguments"/>.</summary>
    public static Process Start(string assembly, IEnumerable<string> arguments) =>
        Process.Start(StartInfo(assembly, arguments)) ?? throw new InvalidOperationException($"Could not start {assembly}.");
}
