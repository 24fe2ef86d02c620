using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Leaves this process without a free file descriptor (Linux), as a process that has opened all it may: the soft limit is
/// lowered, then <c>/dev/null</c> is opened until an open fails. Disposing closes those opens again.
/// </summary>
internal sealed partial class DescriptorLimit : IDisposable
{
    private const int ResourceOpenFiles = 7;
    private const ulong LoweredLimit = 512;

    private readonly List<FileStream> _fillers = [];

    private DescriptorLimit()
    {
    }

    /// <summary>Takes every descriptor the process has left.</summary>
    /// <returns>The opens that hold them.</returns>
    internal static DescriptorLimit Exhaust()
    {
        if (GetLimit(ResourceOpenFiles, out Limit limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var lowered = new Limit { Current = Math.Min(limit.Current, LoweredLimit), Maximum = limit.Maximum };
        if (SetLimit(ResourceOpenFiles, lowered) != 0)
        {
            throw new InvalidOperationException($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var exhausted = new DescriptorLimit();
        try
        {
            while (exhausted._fillers.Count < (int)LoweredLimit)
            {
                exhausted._fillers.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));
            }
        }
        catch (IOException)
        {
            // EMFILE: none left.
        }

        return exhausted;
    }

    /// <summary>Closes the opens that took the descriptors.</summary>
    public void Dispose()
    {
        foreach (FileStream filler in _fillers)
        {
            filler.Dispose();
        }
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
}
