using System;
using System.IO;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// Writes the commands' results to standard output, flushed at once, so that a command learns that its output failed
/// before it reports success, and tells that failure apart from a failure of its file.
/// </summary>
internal static class StandardOutput
{
    /// <summary>Writes <paramref name="line"/> and a newline; <paramref name="done"/> says what the command has already done to its file, if anything.</summary>
    /// <exception cref="StandardOutputException">Standard output could not be written.</exception>
    public static void WriteLine(string line, string? done = null)
    {
        try
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
        catch (Exception ex) when (IsOutputFailure(ex))
        {
            throw Failure(ex, done);
        }
    }

    /// <summary>Whether <paramref name="ex"/>, thrown by a write to standard output, says that the output failed.</summary>
    public static bool IsOutputFailure(Exception ex) => ex is IOException or UnauthorizedAccessException or ObjectDisposedException;

    /// <summary>The failure to report for <paramref name="ex"/>, saying what the command has already done to its file.</summary>
    public static StandardOutputException Failure(Exception ex, string? done) =>
        new($"standard output could not be written ({ex.Message}); {done ?? "the file was not changed"}.", ex);
}
