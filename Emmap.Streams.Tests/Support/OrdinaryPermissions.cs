using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// Runs code with file permissions enforced as for an ordinary user, even when the tests run as root: on a thread of its own
/// whose effective capabilities lack <c>CAP_DAC_OVERRIDE</c>, <c>CAP_DAC_READ_SEARCH</c> and <c>CAP_FOWNER</c> (Linux keeps
/// capabilities per thread, so the rest of the process is unaffected). Without root nothing needs dropping.
/// </summary>
public static unsafe partial class OrdinaryPermissions
{
    private const uint CapabilityVersion3 = 0x20080522;
    private const uint DacOverrides = (1u << 1) | (1u << 2) | (1u << 3);

    /// <summary>Gets why permissions cannot be enforced here, or <see langword="null"/> if they can.</summary>
    public static string? Unavailable { get; } = Probe();

    /// <summary>Runs <paramref name="action"/> on a thread that file permissions apply to; rethrows what it throws.</summary>
    public static void Run(Action action)
    {
        if (Unavailable is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                DropOverrides();
                action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "dropping the permission override uses Linux per-thread capabilities";
        }

        string? reason = null;
        var thread = new Thread(() =>
        {
            try
            {
                DropOverrides();
            }
            catch (InvalidOperationException ex)
            {
                reason = ex.Message;
            }
        });
        thread.Start();
        thread.Join();
        return reason;
    }

    private static void DropOverrides()
    {
        Header header = new() { Version = CapabilityVersion3, Pid = 0 };
        Data* data = stackalloc Data[2];
        if (CapGet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capget failed (errno {Marshal.GetLastPInvokeError()})");
        }

        data[0].Effective &= ~DacOverrides;
        if (CapSet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capset failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(Header* header, Data* data);

    [LibraryImport("libc.so.6", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(Header* header, Data* data);

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }
}
