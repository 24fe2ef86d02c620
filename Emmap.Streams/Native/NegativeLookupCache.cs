using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Emmap.Streams.Native;

/// <summary>
/// Looks names up in one directory and, on Linux, remembers the names it found missing for as long as an inotify watch on
/// the directory reports that no name was created in it or moved into it. The library keeps its shared pages in
/// <c>/dev/shm</c>, a tmpfs, and tmpfs keeps no negative directory entries: every look for a page that does not exist
/// allocates an entry, asks the file system and frees it again, 2 µs on the reference machine, a fifth of a read-only open.
/// Reading a watch on which nothing happened is one system call that returns at once (0.27 µs there).
/// </summary>
/// <remarks>
/// <para><b>Why a remembered answer is true.</b> The kernel queues the event of a name that appears in the directory
/// (create, link, rename into it) before the call that made the name returns. A look reads every queued event and consults
/// the remembered names under one lock, and forgets them all when it read any event. A name found missing is remembered
/// only if no look read an event between this look's read of the watch and the remembering, so an event queued meanwhile
/// is read, and forgets the name, at the next look. A look therefore sees every name created before its read of the
/// watch, as a look at the file system at that moment would. Names that could not be looked at (not
/// <c>ENOENT</c>) are never remembered.</para>
/// <para><b>Cost to the machine.</b> The watch takes one inotify instance, a per-user resource (128 by default on
/// Linux), so it starts only after <see cref="WatchAfterMisses"/> looks found a name missing, and never when the
/// <see cref="DisableSwitchName"/> AppContext switch is set. When it cannot start, when reading it fails, or when the
/// kernel removes it (the directory was deleted or its file system unmounted), or when the directory is renamed, every
/// later look goes to the file system, as without it. A file system mounted over the directory, or a directory above it
/// renamed, after the watch started is not seen by it: the library's page directory is <c>/dev/shm</c>, a mount point in
/// place before any process starts (the temporary directory only where there is no <c>/dev/shm</c>).</para>
/// </remarks>
internal sealed unsafe class NegativeLookupCache : IDisposable
{
    /// <summary>The AppContext switch that keeps every instance from watching (every look goes to the file system).</summary>
    internal const string DisableSwitchName = "Emmap.Streams.DisableDirectoryWatch";

    /// <summary>The number of looks that find a name missing before the watch starts.</summary>
    internal const int WatchAfterMisses = 16;

    // Beyond this many remembered names the set starts again: a bound on memory for a process that opens files by the
    // million, at the price of one look each after a clear.
    private const int MaxRemembered = 4096;

    // Room for several events, at least one with the longest name (16 + NAME_MAX + 1 bytes).
    private const int EventBufferSize = 1024;

    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private int _watch = -1;
    private bool _stopped;
    private int _misses;
    private long _epoch;

    /// <summary>Initializes a cache for names in <paramref name="directory"/>; nothing is watched until it is worth it.</summary>
    internal NegativeLookupCache(string directory)
    {
        // The temporary directory comes with a trailing separator; the names looked up do not repeat it.
        _directory = System.IO.Path.TrimEndingDirectorySeparator(directory);
        _stopped = !OperatingSystem.IsLinux() || (AppContext.TryGetSwitch(DisableSwitchName, out bool disabled) && disabled);
    }

    /// <summary>Gets whether the directory is watched now, so that missing names are remembered.</summary>
    internal bool IsWatching
    {
        get
        {
            lock (_gate)
            {
                return _watch >= 0;
            }
        }
    }

    /// <summary>Gets the number of names remembered as missing now.</summary>
    internal int RememberedCount
    {
        get
        {
            lock (_gate)
            {
                return _missing.Count;
            }
        }
    }

    /// <summary>
    /// Returns whether <paramref name="path"/> exists. Only a name directly in the directory is remembered when missing; a
    /// symbolic link exists whatever it points to (its target may appear anywhere), and a name that cannot be looked at
    /// does not exist and is not remembered.
    /// </summary>
    internal bool Exists(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return NativeFile.TryGetStatus(path) is not null;
        }

        long epoch;
        lock (_gate)
        {
            epoch = Refresh();
            if (epoch >= 0 && _missing.Contains(path))
            {
                return false;
            }
        }

        bool? exists = NativeFile.NameExistsLinux(path);
        if (exists == false && InDirectory(path))
        {
            Remember(path, epoch);
        }

        return exists == true;
    }

    /// <summary>Stops the watch and closes its descriptor; later looks go to the file system.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            Stop();
        }
    }

    // Under the gate: starts the watch when due, reads every queued event, and returns the epoch of the remembered names,
    // or -1 when there is no watch (the look must not be remembered). The event buffer is only ever written by the kernel.
    [SkipLocalsInit]
    private long Refresh()
    {
        if (_watch < 0)
        {
            if (!_stopped && _misses >= WatchAfterMisses)
            {
                Start();
            }

            return _watch < 0 ? -1 : _epoch;
        }

        byte* events = stackalloc byte[EventBufferSize];
        bool appeared = false;
        while (true)
        {
            nint read = Libc.Read(_watch, events, EventBufferSize);
            if (read > 0)
            {
                appeared = true;
                if (WatchLost(events, (int)read))
                {
                    Stop();
                    return -1;
                }

                continue;
            }

            int errno = read < 0 ? NativeErrors.LastError() : 0;
            if (errno == UnixConstants.ErrorInterrupted)
            {
                continue;
            }

            if (errno != UnixConstants.ErrorWouldBlock)
            {
                Stop();
                return -1;
            }

            break;
        }

        if (appeared)
        {
            Forget();
        }

        return _epoch;
    }

    private void Remember(string path, long epoch)
    {
        lock (_gate)
        {
            if (epoch < 0)
            {
                _misses = Math.Min(_misses + 1, WatchAfterMisses);
                return;
            }

            if (epoch != _epoch)
            {
                // An event was read since this look read the watch (the name may have appeared after the look), or the
                // watch stopped: stopping moves the epoch too.
                return;
            }

            if (_missing.Count >= MaxRemembered)
            {
                _missing.Clear();
            }

            _missing.Add(path);
        }
    }

    private void Start()
    {
        int watch = Libc.InotifyInit(Libc.InotifyNonBlockingCloseOnExec);
        if (watch < 0)
        {
            // No inotify instance left for this user (or none in this kernel): every look goes to the file system.
            _stopped = true;
            return;
        }

        if (Libc.InotifyAddWatch(watch, _directory, Libc.InotifyCreate | Libc.InotifyMovedTo | Libc.InotifyMoveSelf) < 0)
        {
            _ = Libc.Close(watch);
            _stopped = true;
            return;
        }

        _watch = watch;
        Forget();
    }

    private void Stop()
    {
        if (_watch >= 0)
        {
            _ = Libc.Close(_watch);
            _watch = -1;
        }

        _stopped = true;
        Forget();
    }

    private void Forget()
    {
        _missing.Clear();
        _epoch++;
    }

    // True if path names an entry of the directory itself: only those are reported by the watch.
    private bool InDirectory(string path) =>
        path.Length > _directory.Length + 1
        && path.StartsWith(_directory, StringComparison.Ordinal)
        && path[_directory.Length] == '/'
        && path.IndexOf('/', _directory.Length + 1) < 0;

    // True if the events read include IN_IGNORED (the kernel removed the watch and reports nothing more) or IN_MOVE_SELF
    // (the directory was renamed: the watch follows it, and the path may come to name another directory, never watched).
    private static bool WatchLost(byte* events, int length)
    {
        for (int at = 0; at + Libc.InotifyEventSize <= length;)
        {
            if ((*(uint*)(events + at + Libc.InotifyEventMaskOffset) & (Libc.InotifyIgnored | Libc.InotifyMoveSelf)) != 0)
            {
                return true;
            }

            at += Libc.InotifyEventSize + (int)*(uint*)(events + at + Libc.InotifyEventNameLengthOffset);
        }

        return false;
    }
}
