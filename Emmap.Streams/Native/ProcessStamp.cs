using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Emmap.Streams.Native;

/// <summary>
/// A word that names a running process: its id in the low 32 bits and a start stamp of that process in the high 32 bits, so
/// that a recycled process id is not mistaken for the process (owner words of queues, the solo word of coordination blocks). On Linux the stamp is the process start time in clock ticks since boot
/// (field 22 of <c>/proc/PID/stat</c>), which every reader computes identically; on Windows the creation time in milliseconds
/// (<c>ProcessStamp.Windows.cs</c>); elsewhere the start time in milliseconds.
/// </summary>
internal static partial class ProcessStamp
{
    /// <summary>A start stamp that could not be read: the process is assumed to run.</summary>
    private const uint Unknown = uint.MaxValue;

    private static readonly Lazy<long> s_current = new(() => Make(Environment.ProcessId, StartStamp(Environment.ProcessId, "/proc") ?? 0));

    /// <summary>The word of this process (never 0).</summary>
    internal static long Current => s_current.Value;

    internal static int ProcessId(long word) => (int)(uint)word;

    /// <summary>True if the process named by <paramref name="word"/> still runs (a zombie counts as gone).</summary>
    internal static bool IsAlive(long word) => IsAlive(word, "/proc");

    /// <summary>
    /// <see cref="IsAlive(long)"/> with the process table read from <paramref name="procDirectory"/> on Linux, so that a table
    /// that does not show the process (mounted with <c>hidepid=2</c>, where other users' processes have no entry) can be tried.
    /// </summary>
    internal static bool IsAlive(long word, string procDirectory)
    {
        int pid = ProcessId(word);
        if (pid <= 0)
        {
            return false;
        }

        uint? stamp = StartStamp(pid, procDirectory);
        return stamp is { } actual && (actual == Unknown || actual == (uint)(word >>> 32));
    }

    private static long Make(int pid, uint stamp) => ((long)stamp << 32) | (uint)pid;

    private static uint? StartStamp(int pid, string procDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            return StartStampWindows(pid);
        }

        if (OperatingSystem.IsLinux())
        {
            string text;
            try
            {
                text = File.ReadAllText($"{procDirectory}/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // No entry: gone, or hidden (/proc mounted with hidepid=2 shows no other user's process, and a container may
                // have no /proc at all). The kernel still knows the process: kill(pid, 0) fails with ESRCH only if none has
                // the id; a live process of another user gives EPERM. Cannot read its stamp, so assume it runs.
                return Libc.Kill(pid, 0) != 0 && NativeErrors.LastError() == UnixConstants.ErrorNoProcess ? null : Unknown;
            }
            catch (IOException)
            {
                // Cannot tell (for example, /proc hides other users' processes): assume it runs rather than steal its queue.
                return Unknown;
            }
            catch (UnauthorizedAccessException)
            {
                return Unknown;
            }

            // "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so parse after the last ')'.
            int close = text.LastIndexOf(')');
            string[] fields = text[(close + 2)..].Split(' ');
            if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
            {
                return null;
            }

            return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong ticks) ? (uint)ticks : Unknown;
        }

        try
        {
            using Process process = Process.GetProcessById(pid);
            return process.HasExited ? null : (uint)(process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerMillisecond);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // macOS reads the start time with proc_pidinfo(PROC_PIDTASKALLINFO), which the system refuses for another user's
            // process (and has nothing for a zombie): cannot tell, so assume it runs rather than steal its queue, as on Linux.
            return Unknown;
        }
    }
}
