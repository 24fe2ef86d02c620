using System;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Commands for the tests of the Windows backend's primitives (Windows 10 1803 or later, or Wine 10):
/// <list type="bullet">
/// <item><c>win-atomic-add PATH COUNT GO</c>: maps the whole of PATH (a multiple of 64 KiB) shared into a placeholder,
/// prints "ready", waits for the named event GO (so that all processes start together), then adds 1 to the long at
/// offset 0 and 3 to the long at offset 65528, COUNT times each with <see cref="Interlocked"/>, and prints "done".</item>
/// <item><c>win-shared-add NAME COUNT GO</c>: opens the named shared memory NAME (creating it with 4 KiB if needed),
/// prints "ready created" or "ready opened", waits for the named event GO, adds 1 to its first long COUNT times,
/// prints "done", and keeps the memory open until stdin closes.</item>
/// <item><c>win-hold-lock PATH OFFSET LENGTH</c>: takes an exclusive byte-range lock, prints "locked" and waits for
/// stdin to close (the tests kill it instead).</item>
/// <item><c>win-wait-event NAME</c>: opens the named event NAME, prints "waiting", and prints "woken" once it is set
/// ("timeout" after a minute).</item>
/// <item><c>win-start-time</c>: prints this process's creation time (FILETIME ticks), then waits for stdin to close.</item>
/// </list>
/// </summary>
internal static class WindowsCommands
{
    public static int? Run(string[] args)
    {
        if (!OperatingSystem.IsWindowsVersionAtLeast(10, 0, 17134))
        {
            Console.Error.WriteLine("win- commands need Windows 10 version 1803 or later.");
            return 2;
        }

        return args[0] switch
        {
            "win-atomic-add" => AtomicAdd(args[1], Parse(args[2]), args[3]),
            "win-shared-add" => SharedAdd(args[1], Parse(args[2]), args[3]),
            "win-hold-lock" => HoldLock(args[1], Parse(args[2]), Parse(args[3])),
            "win-wait-event" => WaitEvent(args[1]),
            "win-start-time" => StartTime(),
            _ => null,
        };
    }

    private static long Parse(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    [SupportedOSPlatform("windows10.0.17134")]
    private static int AtomicAdd(string path, long count, string go)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(file);
        nint address = WindowsMemory.ReservePlaceholder((nuint)length);
        try
        {
            using (SafeMemoryMappedFileHandle section = FileSections.ForFile(file, length, ViewProtection.ReadWrite, path))
            {
                WindowsMemory.MapIntoPlaceholder(section, address, (nuint)length, 0, ViewProtection.ReadWrite, path);
            }

            Answer("ready");
            WaitFor(go);
            for (long i = 0; i < count; i++)
            {
                _ = Interlocked.Increment(ref Cell(address, 0));
                _ = Interlocked.Add(ref Cell(address, 65528), 3);
            }

            WindowsMemory.UnmapToPlaceholder(address);
            Answer("done");
            return 0;
        }
        finally
        {
            _ = WindowsMemory.TryReleasePlaceholder(address);
        }
    }

    [SupportedOSPlatform("windows10.0.17134")]
    private static int SharedAdd(string name, long count, string go)
    {
        using SafeMemoryMappedFileHandle section = FileSections.OpenOrCreateShared(name, 4096, out bool created);
        nint view = WindowsMemory.MapView(section, 4096, 0, ViewProtection.ReadWrite, name);
        try
        {
            Answer(created ? "ready created" : "ready opened");
            WaitFor(go);
            for (long i = 0; i < count; i++)
            {
                _ = Interlocked.Increment(ref Cell(view, 0));
            }

            Answer("done");
            while (Console.ReadLine() is not null)
            {
            }

            return 0;
        }
        finally
        {
            _ = WindowsMemory.TryUnmapView(view);
        }
    }

    [SupportedOSPlatform("windows")]
    private static int HoldLock(string path, long offset, long length)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        WindowsFile.Lock(file, offset, length, exclusive: true, path);
        Answer("locked");
        while (Console.ReadLine() is not null)
        {
        }

        return 0;
    }

    [SupportedOSPlatform("windows")]
    private static int WaitEvent(string name)
    {
        using EventWaitHandle wake = EventWaitHandle.OpenExisting(name);
        Answer("waiting");
        Answer(wake.WaitOne(TimeSpan.FromMinutes(1)) ? "woken" : "timeout");
        return 0;
    }

    [SupportedOSPlatform("windows")]
    private static int StartTime()
    {
        Answer(WindowsProcess.CurrentStartTime.ToString(CultureInfo.InvariantCulture));
        while (Console.ReadLine() is not null)
        {
        }

        return 0;
    }

    [SupportedOSPlatform("windows")]
    private static void WaitFor(string eventName)
    {
        using EventWaitHandle go = EventWaitHandle.OpenExisting(eventName);
        if (!go.WaitOne(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"The event {eventName} was not set in time.");
        }
    }

    private static unsafe ref long Cell(nint address, int offset) => ref Unsafe.AsRef<long>((byte*)address + offset);

    private static void Answer(string line)
    {
        Console.WriteLine(line);
        Console.Out.Flush();
    }
}
