using System;
using System.Runtime.InteropServices;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Lowers this process's file size limit (<c>RLIMIT_FSIZE</c>, Linux) with <c>SIGXFSZ</c> ignored, so that growing any file past
/// the limit fails with <c>EFBIG</c>, as a full file system would fail it. Disposing restores both.
/// </summary>
internal sealed partial class FileSizeLimit : IDisposable
{
    private const int ResourceFileSize = 1;
    private const int SignalFileSize = 25;
    private const nint Ignore = 1;

    private readonly Limit _previous;
    private readonly nint _previousHandler;

    private FileSizeLimit(Limit previous, nint previousHandler)
    {
        _previous = previous;
        _previousHandler = previousHandler;
    }

    /// <summary>Lets this process make no file larger than <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The largest size a file may reach.</param>
    /// <returns>What restores the limit.</returns>
    internal static FileSizeLimit Lower(long bytes)
    {
        if (GetLimit(ResourceFileSize, out Limit previous) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        nint previousHandler = Signal(SignalFileSize, Ignore);
        if (SetLimit(ResourceFileSize, new Limit { Current = (ulong)bytes, Maximum = previous.Maximum }) != 0)
        {
            _ = Signal(SignalFileSize, previousHandler);
            throw new InvalidOperationException($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new FileSizeLimit(previous, previousHandler);
    }

    /// <summary>Restores the limit and the signal's handler.</summary>
    public void Dispose()
    {
        _ = SetLimit(ResourceFileSize, _previous);
        _ = Signal(SignalFileSize, _previousHandler);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out Limit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in Limit limit);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);
}
