using System.Diagnostics;
using Shouldly;

namespace Emmap.Streams.Tests.Support;

/// <summary>Makes named pipes (FIFOs) for the tests of files that cannot be mapped; Linux and macOS only (<c>mkfifo</c>).</summary>
internal static class NamedPipe
{
    /// <summary>Makes a named pipe at <paramref name="path"/> and returns the path.</summary>
    public static string Make(string path)
    {
        using Process mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        mkfifo.ExitCode.ShouldBe(0, $"mkfifo {path}");
        return path;
    }
}
