using System;
using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    // What MappedFileStream.Open shares the file with: everyone, as emmap does (a shared flock on Unix).
    private const FileShare MapShare = FileShare.ReadWrite | FileShare.Delete;

    /// <summary>Maps a whole file (emmap <c>open/2</c>).</summary>
    /// <param name="path">The file to map.</param>
    /// <param name="options">How to open and map it; <see langword="null"/> for the defaults (open an existing file read-only, shared).</param>
    /// <returns>A stream over the whole file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or
    /// <see cref="MapOptions.Mode"/> and <see cref="MapOptions.Access"/> do not go together (as for <see cref="FileStream"/>: a mode that
    /// creates or truncates needs write access, <see cref="FileMode.Append"/> needs <see cref="FileAccess.Write"/> alone). Nothing on disk is touched.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (an enum value that is not defined, a negative
    /// <see cref="MapOptions.Size"/>, a <see cref="MapOptions.MaxIncrementSize"/> that is not positive).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <see cref="MapOptions.Mode"/> does not create it.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <see cref="MapOptions.Mode"/> is <see cref="FileMode.CreateNew"/>, another
    /// opener holds it with <see cref="FileShare.None"/>, or an I/O error occurred (for example, no space to create the file).</exception>
    /// <exception cref="NotSupportedException"><see cref="MapOptions.Fit"/> would have to grow the file but access is read-only, or the
    /// path names a pipe, a socket or a device.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access
    /// (a writable mapping needs permission to read the file as well).</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>
    /// An existing non-empty file is mapped whole, whatever its length; <see cref="MapOptions.Size"/> is the length a file gets
    /// when this open creates it, truncates it or finds it empty (with <see cref="MapOptions.Fit"/>, also a shorter file's new length).
    /// The file is shared with every other opener (<see cref="FileShare.ReadWrite"/> | <see cref="FileShare.Delete"/>): a
    /// <see cref="FileStream"/>, <c>MemoryMappedFile</c> or another process can open it at the same time.
    /// </remarks>
    public static MappedFileStream Open(string path, MapOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        MapOptions o = ValidateMapOptions(options);
        return new MappedFileStream(OpenCore(path, 0, 0, wholeFile: true, o, MapShare, FileOptions.None, 0, o.UnixCreateMode));
    }

    /// <summary>
    /// Maps the window <c>[offset, offset + length)</c> of a file (emmap <c>open/4</c>): position 0 of the
    /// stream is file byte <paramref name="offset"/>.
    /// </summary>
    /// <param name="path">The file to map.</param>
    /// <param name="offset">The file offset where the window starts; any value, no page alignment needed.</param>
    /// <param name="length">The window length; 0 means to the end of the file.</param>
    /// <param name="options">How to open and map it; <see langword="null"/> for the defaults.</param>
    /// <returns>A stream over the window.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="length"/> is negative, their sum
    /// overflows, or an option is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the mode and access do not go together.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <see cref="MapOptions.Mode"/> does not create it.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="IOException">The window does not lie inside the existing file and <see cref="MapOptions.Fit"/> is not set
    /// (the file is left untouched; a read-only <see cref="FileMode.OpenOrCreate"/> open of a missing file leaves the empty file
    /// it created, as a <see cref="FileStream"/> would), or an I/O error occurred.</exception>
    /// <exception cref="NotSupportedException"><see cref="MapOptions.Fit"/> would have to grow the file but access is read-only, or the
    /// path names a pipe, a socket or a device.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file cannot be opened with the requested access.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>
    /// The window must lie inside the file, unless the file is new, truncated or empty and the stream can write (then the file
    /// is extended to the window's end, or <see cref="MapOptions.Size"/> if larger) or <see cref="MapOptions.Fit"/> is set (then
    /// the file grows to the window's end). A window that ends at the end of the file follows the file's length and can grow;
    /// one that ends before cannot change length (if another handle cuts the file short inside it, writes through it may grow
    /// the file back, up to its end), and nothing truncates data outside a window.
    /// </remarks>
    public static MappedFileStream Open(string path, long offset, long length, MapOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > long.MaxValue - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "The window's end exceeds the largest file offset.");
        }

        MapOptions o = ValidateMapOptions(options);
        return new MappedFileStream(OpenCore(path, offset, length, wholeFile: false, o, MapShare, FileOptions.None, 0, o.UnixCreateMode));
    }

    /// <summary>
    /// Opens the file with the caller's mode, access, sharing and file options through the BCL (so that .NET's own checks,
    /// exceptions and sharing locks apply exactly as for a <see cref="FileStream"/>), then maps it.
    /// </summary>
    private static OpenedMapping OpenCore(
        string path,
        long offset,
        long length,
        bool wholeFile,
        MapOptions options,
        FileShare share,
        FileOptions fileOptions,
        long preallocationSize,
        UnixFileMode? createMode)
    {
        if (OperatingSystem.IsWindows())
        {
            CheckWindows();
        }
        else if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Emmap.Streams supports Linux, macOS and Windows 10 version 1803 or later.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Emmap.Streams stores little-endian integers and needs a little-endian CPU (x64, Arm64).");
        }

        string fullPath = System.IO.Path.GetFullPath(path);
        bool writable = (options.Access & FileAccess.Write) != 0;
        bool readable = (options.Access & FileAccess.Read) != 0;

        // Look before opening: opening a FIFO for reading blocks until a writer comes. Directories go on to the BCL's own exception,
        // and so does anything that exists when the mode creates a new file (it is already there, and an exclusive create never blocks).
        if (options.Mode != FileMode.CreateNew && NativeFile.TryGetStatus(fullPath) is { IsRegular: false, IsDirectory: false })
        {
            throw NotRegular(fullPath);
        }

        bool deferrable = wholeFile && options is { Mode: FileMode.Open, Access: FileAccess.Read, Sharing: MapSharing.Shared, Populate: false, Fit: false }
            && share == MapShare && fileOptions == FileOptions.None && OperatingSystem.IsLinux();
        FileStream ownFile;
        bool created = false;
        bool owned = false;
        if (deferrable)
        {
            // The same open as FileStream's (checks, exceptions, sharing lock), without the stream object.
            SafeFileHandle handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, share);
            try
            {
                if (DeferredMapping.TryCreate(handle, fullPath) is { } deferred)
                {
                    return new OpenedMapping
                    {
                        View = null,
                        Deferred = deferred,
                        OwnFile = null,
                        Readable = true,
                        Existed = true,
                        AppendStart = -1,
                        Options = options,
                    };
                }

                Region.ThrottleReservations();
                ownFile = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        else
        {
            Region.ThrottleReservations();
            (ownFile, created, owned) = OpenOwnFile(fullPath, options.Mode, options.Access, share, fileOptions, preallocationSize, createMode);
        }

        FileEntry entry;
        bool donated;
        bool newEntry;
        try
        {
            SafeFileHandle ownHandle = ownFile.SafeFileHandle;
            FileStatus status = NativeFile.GetStatus(ownHandle, fullPath);
            if (!status.IsRegular)
            {
                throw NotRegular(fullPath);
            }

            // The first open of a file with emmap's sharing and no file options gives its own descriptor to the file's entry
            // when that descriptor can map (read-write for a writable mapping): one descriptor per file, and its sharing lock
            // lasts as long as the entry. Otherwise the mapping has its own descriptor, without a sharing lock, read-write
            // for a writable mapping, opened only if the file has no entry that can serve this open yet.
            // On Windows an asynchronous open that shares too little for a descriptor of the mapping's own gives its own too (see
            // FileRegistry.Reopen).
            bool mayDonate = share == MapShare && fileOptions == FileOptions.None && (!writable || readable);
            entry = FileRegistry.Acquire(
                fullPath, status.Identity, writable, ownHandle, mayDonate ? ownFile : null, out donated, out newEntry,
                fallback: OperatingSystem.IsWindows() && !mayDonate ? ownFile : null);
        }
        catch
        {
            Abandon(ownFile, fullPath, owned);
            throw;
        }

        try
        {
            OpenedMapping opened = Attach(entry, donated ? null : ownFile, fullPath, offset, length, wholeFile, readable, writable, created, newEntry, options);
            opened.DeleteOnClose = DeletesOnClose(fileOptions);
            FileRegistry.WithdrawDeferred(entry);
            return opened;
        }
        catch
        {
            if (writable)
            {
                // A writable entry may have made the file's page. The read-only streams of this process that read without a
                // mapping would count as another process at its close and keep the page after everything is gone; they map at
                // their next read instead.
                FileRegistry.WithdrawDeferred(entry);
            }

            // A donated descriptor is the entry's: it closes with the entry.
            Abandon(donated ? null : ownFile, fullPath, owned);
            throw;
        }
        finally
        {
            FileRegistry.Release(entry);
        }
    }

    /// <summary>
    /// Maps the file of a stream whose mapping was deferred, as <see cref="OpenCore"/> would have at the open: through the file's
    /// entry, with a descriptor of its own, so that a failure leaves the stream as it was, reading through its own open.
    /// </summary>
    /// <param name="deferred">The stream's deferred state.</param>
    /// <param name="options">The stream's options.</param>
    /// <param name="newEntry">True if this mapping created the file's entry (its descriptor holds no other stream's sharing lock).</param>
    private static MappedView OpenDeferred(DeferredMapping deferred, MapOptions options, out bool newEntry)
    {
        Region.ThrottleReservations();
        FileEntry entry = FileRegistry.Acquire(deferred.Path, deferred.Identity, writable: false, deferred.Handle, donor: null, out _, out newEntry);
        try
        {
            OpenedMapping opened = Attach(
                entry, ownFile: null, deferred.Path, 0, 0, wholeFile: true, readable: true, writable: false, created: false, newEntry, options);
            FileRegistry.WithdrawDeferred(entry);
            return opened.View!;
        }
        finally
        {
            FileRegistry.Release(entry);
        }
    }

    /// <summary>
    /// Opens the stream's own handle. Creation and truncation are told apart from opening an existing file, and no handle is ever
    /// opened with <c>O_TRUNC</c>: <see cref="FileMode.Create"/> and <see cref="FileMode.Truncate"/> cut the file through its
    /// <see cref="FileEntry"/>, which keeps the mappings of the file in this process safe. <c>Owned</c> is true when the file is
    /// surely this open's creation (made with <c>O_EXCL</c>), so that a failed open may delete it.
    /// </summary>
    private static (FileStream File, bool Created, bool Owned) OpenOwnFile(
        string fullPath, FileMode mode, FileAccess access, FileShare share, FileOptions fileOptions, long preallocationSize, UnixFileMode? createMode)
    {
        if (mode is FileMode.Open or FileMode.Truncate)
        {
            return (OpenHandle(fullPath, FileMode.Open, access, share, fileOptions, 0, null), false, false);
        }

        if (mode == FileMode.CreateNew)
        {
            return (OpenHandle(fullPath, FileMode.CreateNew, access, share, fileOptions, preallocationSize, createMode), true, true);
        }

        if ((access & FileAccess.Write) != 0)
        {
            try
            {
                long preallocation = mode == FileMode.Create ? preallocationSize : 0;
                return (OpenHandle(fullPath, FileMode.CreateNew, access, share, fileOptions, preallocation, createMode), true, true);
            }
            catch (IOException ex) when (NativeErrors.IsAlreadyExists(ex))
            {
                // Something is there: a file, a directory, or a symbolic link.
            }

            try
            {
                return (OpenHandle(fullPath, FileMode.Open, access, share, fileOptions, 0, null), false, false);
            }
            catch (FileNotFoundException)
            {
                // A dangling symbolic link, or the file was deleted meanwhile: open as FileStream would, below.
            }
        }

        // The BCL has no read-only CreateNew: whether this open created the file is told by a look before it. A file created by
        // someone else in between counts as created here, and is never deleted on failure.
        bool existed = System.IO.Path.Exists(fullPath);
        return (OpenHandle(fullPath, FileMode.OpenOrCreate, access, share, fileOptions, 0, createMode), !existed, false);
    }

    private static FileStream OpenHandle(
        string fullPath, FileMode mode, FileAccess access, FileShare share, FileOptions fileOptions, long preallocationSize, UnixFileMode? createMode)
    {
        var open = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            Options = DeletesOnClose(fileOptions) ? fileOptions & ~FileOptions.DeleteOnClose : fileOptions,
            PreallocationSize = preallocationSize,
            BufferSize = 0,
        };
        if (createMode is { } permissions && !OperatingSystem.IsWindows())
        {
            open.UnixCreateMode = permissions;
        }

        if (OperatingSystem.IsWindows() && access == FileAccess.Write)
        {
            // A writable view needs a handle that may read too; Windows enforces the sharing of every handle, so the mapping
            // may have to use a duplicate of this one (see NativeFile.Reopen).
            open.Access = FileAccess.ReadWrite;
        }

        return new FileStream(fullPath, open);
    }

    /// <summary>
    /// Changes the file's length for an open (under the entry's gate). The read-only streams of this process that read the file
    /// without a mapping give up their presence first: it would count as another process's, and the change would then zero a
    /// cut in place and keep the page, where the file alone with this process is cut at once. With <paramref name="growOnly"/>
    /// (an initial size, <see cref="MapOptions.Fit"/>), the length only grows: the open looked at the length without the size
    /// lock, and another process may have written past it since.
    /// </summary>
    private static void SetLengthForOpen(FileEntry entry, long length, bool growOnly = false)
    {
        FileRegistry.WithdrawDeferred(entry);
        entry.SetFileLength(length, growOnly);
    }

    private static OpenedMapping Attach(
        FileEntry entry,
        FileStream? ownFile,
        string fullPath,
        long offset,
        long length,
        bool wholeFile,
        bool readable,
        bool writable,
        bool created,
        bool newEntry,
        MapOptions options)
    {
        MapOptions o = options;
        lock (entry.Gate)
        {
            // A new entry has just read the shared state and the size on disk.
            entry.Refresh(checkDisk: !newEntry);

            // Every check first, so an open that is refused has changed nothing.
            OpenLengths lengths = PlanLengths(entry, fullPath, offset, length, wholeFile, writable, created, o);

            // Then the mapping: making it is what fails (no address space, too many mappings), and a failure then has changed
            // nothing. A shared mapping maps the file as it is; a length the open changes afterwards goes through it, as any
            // size change does, so a growth whose mapping fails is undone, and a cut is made safely under any handle of this
            // process. A private mapping is made as the file will be after the open: the bytes the open keeps map the file, the
            // rest are its own zero pages (what the file will hold there), so it maps nothing a cut would take away. Not on
            // Windows, which truncates a file only while no view of it exists: there the length changes first, as before.
            MappingState? state = Platform.IsWindows
                ? null
                : o.Sharing == MapSharing.Shared
                    ? entry.AttachShared()
                    : entry.AttachPrivate(lengths.Length, fileEnd: lengths.Truncate ? 0 : entry.LogicalLength);
            try
            {
                if (lengths.Truncate)
                {
                    if (lengths.Grows && lengths.Length > entry.LogicalLength)
                    {
                        // The new length first, over the old bytes: a growth that fails (a full disk, a size past the file
                        // system's limit) is undone and throws, so the open fails with the file as it was, not already emptied.
                        SetLengthForOpen(entry, lengths.Length, growOnly: true);
                    }

                    SetLengthForOpen(entry, 0);
                }

                if (lengths.Grows)
                {
                    SetLengthForOpen(entry, lengths.Length, growOnly: true);
                }

                state ??= o.Sharing == MapSharing.Shared ? entry.AttachShared() : entry.AttachPrivate(entry.LogicalLength);
                var view = new MappedView(
                    state, fullPath, wholeFile ? 0 : offset, lengths.Limit, readable, writable, o.FixedSize, o.MaxIncrementSize);
                return new OpenedMapping
                {
                    View = view,
                    OwnFile = ownFile,
                    Readable = readable,
                    Existed = !created,
                    AppendStart = o.Mode == FileMode.Append ? view.CachedLength : -1,
                    Options = o,
                };
            }
            catch
            {
                if (state is not null)
                {
                    state.ReleaseHandle();
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Works out, under the entry's gate and without changing anything, what the open makes of the file's length (truncation,
    /// a new file's size, <see cref="MapOptions.Fit"/>) and checks a window against that length; throws what the open must
    /// refuse.
    /// </summary>
    private static OpenLengths PlanLengths(
        FileEntry entry, string fullPath, long offset, long length, bool wholeFile, bool writable, bool created, MapOptions o)
    {
        bool truncate = !created && o.Mode is FileMode.Truncate or FileMode.Create;
        long current = truncate ? 0 : entry.LogicalLength;
        bool fresh = created || current == 0;
        bool grows = false;
        if (wholeFile)
        {
            long wanted = fresh || o.Fit ? o.Size : 0;
            if (wanted > current)
            {
                if (writable)
                {
                    current = wanted;
                    grows = true;
                }
                else if (o.Fit)
                {
                    throw FitNeedsWrite(fullPath, current, wanted);
                }
            }

            return new OpenLengths(truncate, grows, current, long.MaxValue);
        }

        long end = length == 0 ? 0 : offset + length;
        long wantedSize = Math.Max(o.Size, end);
        if (fresh && writable && wantedSize > current)
        {
            current = wantedSize;
            grows = true;
        }

        if (length == 0)
        {
            if (offset >= current && offset != 0)
            {
                throw new IOException($"Offset {offset} is at or past the end of '{fullPath}' ({current} bytes).");
            }
        }
        else if (end > current)
        {
            if (!o.Fit)
            {
                throw new IOException(
                    $"The window [{offset}, {end}) reaches past the end of '{fullPath}' ({current} bytes); " +
                    (writable ? "set MapOptions.Fit to grow the file." : "a read-only stream cannot grow the file."));
            }

            if (!writable)
            {
                throw FitNeedsWrite(fullPath, current, end);
            }

            current = end;
            grows = true;
        }
        else if (end < current)
        {
            return new OpenLengths(truncate, grows, current, end);
        }

        return new OpenLengths(truncate, grows, current, long.MaxValue);
    }

    /// <summary>
    /// Windows: the mapping layer needs address-space placeholders (Windows 10 version 1803) and a 64-bit process; anything
    /// else gets a <see cref="PlatformNotSupportedException"/> naming what is missing, before anything on disk is touched.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void CheckWindows()
    {
        if (!Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("Emmap.Streams on Windows needs a 64-bit process (x64 or Arm64).");
        }

        Native.Windows.WindowsFeatures.ThrowIfNoPlaceholders();
    }

    /// <summary>
    /// Whether the stream, not its own open, deletes the file at its close: on Unix, where <see cref="FileStream"/> deletes a
    /// <see cref="FileOptions.DeleteOnClose"/> file by its path when its handle closes, so that an open refused after the file was
    /// opened (a mapping that may not read it) leaves it. Windows deletes it with the last handle, which other openers must allow.
    /// </summary>
    private static bool DeletesOnClose(FileOptions fileOptions) =>
        (fileOptions & FileOptions.DeleteOnClose) != 0 && !OperatingSystem.IsWindows();

    private static NotSupportedException NotRegular(string fullPath) =>
        new($"'{fullPath}' is not a regular file (a pipe, a socket or a device), so it cannot be memory-mapped.");

    private static NotSupportedException FitNeedsWrite(string fullPath, long current, long target) =>
        new($"MapOptions.Fit would grow '{fullPath}' from {current} to {target} bytes, which needs write access.");

    /// <summary>Validates and copies <see cref="MapOptions"/> before anything on disk is touched.</summary>
    private static MapOptions ValidateMapOptions(MapOptions? options)
    {
        MapOptions o = (options ?? new MapOptions()).Clone();
        if (o.Mode is < FileMode.CreateNew or > FileMode.Append)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.Mode, "MapOptions.Mode is not a FileMode value.");
        }

        if (o.Access is < FileAccess.Read or > FileAccess.ReadWrite)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.Access, "MapOptions.Access is not a FileAccess value.");
        }

        if (o.Sharing is not (MapSharing.Shared or MapSharing.Private))
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.Sharing, "MapOptions.Sharing is not a MapSharing value.");
        }

        if (o.Size < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.Size, "MapOptions.Size must not be negative.");
        }

        if (o.MaxIncrementSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.MaxIncrementSize, "MapOptions.MaxIncrementSize must be positive.");
        }

        // Checked for every mode, as the other options are, though only an open that creates the file uses it.
        ThrowHelper.ThrowIfNotPermissions(o.UnixCreateMode, "MapOptions.UnixCreateMode", nameof(options));

        ValidateModeAndAccess(o.Mode, o.Access, nameof(options));
        return o;
    }

    /// <summary>The mode and access combinations <see cref="FileStream"/> refuses, with the same exception.</summary>
    private static void ValidateModeAndAccess(FileMode mode, FileAccess access, string paramName)
    {
        if ((access & FileAccess.Write) == 0 && mode is FileMode.Truncate or FileMode.CreateNew or FileMode.Create or FileMode.Append)
        {
            throw new ArgumentException($"Combining FileMode.{mode} with FileAccess.{access} is invalid: the mode changes the file.", paramName);
        }

        if ((access & FileAccess.Read) != 0 && mode == FileMode.Append)
        {
            throw new ArgumentException("FileMode.Append can be requested only with FileAccess.Write.", paramName);
        }
    }

    /// <summary>Undoes an open that failed after the stream's own handle was opened, deleting the file if the open surely created it.</summary>
    private static void Abandon(FileStream? ownFile, string fullPath, bool delete)
    {
        ownFile?.Dispose();
        if (delete)
        {
            DeleteQuietly(fullPath);
        }
    }

    private static void DeleteQuietly(string fullPath)
    {
        try
        {
            File.Delete(fullPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What an open makes of the file's length: whether it truncates first, whether it grows it then, and to what.</summary>
    /// <param name="Truncate">True if the open cuts the file to 0 first (<see cref="FileMode.Truncate"/>, <see cref="FileMode.Create"/>).</param>
    /// <param name="Grows">True if the open grows the file to <paramref name="Length"/> (an initial size, <see cref="MapOptions.Fit"/>).</param>
    /// <param name="Length">The file's length once the open is done, as the open saw it.</param>
    /// <param name="Limit">The window's end, or <see cref="long.MaxValue"/> when the stream follows the end of the data.</param>
    private readonly record struct OpenLengths(bool Truncate, bool Grows, long Length, long Limit);
}
