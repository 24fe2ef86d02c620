using System;
using System.IO;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>Maps a whole file (emmap <c>open/2</c>).</summary>
    /// <param name="path">The file to map.</param>
    /// <param name="options">How to open and map it; <see langword="null"/> for the defaults (open an existing file read-only, shared).</param>
    /// <returns>A stream over the whole file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the options contradict each other (a write-only
    /// mapping; a creating or truncating mode with read-only access; no length for a new, empty or truncated file). Nothing on disk is touched.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <see cref="MapOptions.Mode"/> does not create it.</exception>
    /// <exception cref="IOException">The file's length differs from a non-zero <see cref="MapOptions.Size"/> and
    /// <see cref="MapOptions.Fit"/> is not set (the file is left untouched), the file exists with <see cref="FileMode.CreateNew"/>,
    /// or an I/O error occurred (for example, no space to create the file).</exception>
    /// <exception cref="NotSupportedException">Opening would have to grow the file (an empty file, <see cref="MapOptions.Fit"/>) but access is read-only.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened with the requested access.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is not Linux or macOS.</exception>
    /// <remarks>
    /// An existing non-empty file is mapped whole. <see cref="MapOptions.Size"/> gives the length of a new or empty file.
    /// Other openers (a <see cref="FileStream"/> with <see cref="FileShare.ReadWrite"/>, <c>MemoryMappedFile</c>, other
    /// processes) can open the file at the same time.
    /// </remarks>
    public static MappedFileStream Open(string path, MapOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OpenCore(path, 0, 0, wholeFile: true, options);
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
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="length"/> is negative, or their sum overflows.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the options contradict each other.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <see cref="MapOptions.Mode"/> does not create it.</exception>
    /// <exception cref="IOException">The window does not lie inside the existing file and <see cref="MapOptions.Fit"/> is not set
    /// (the file is left untouched), or an I/O error occurred.</exception>
    /// <exception cref="NotSupportedException">Opening would have to grow the file but access is read-only.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened with the requested access.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is not Linux or macOS.</exception>
    /// <remarks>
    /// The window must lie inside the file, unless the file is new or empty (then it is created to reach the window's end,
    /// or <see cref="MapOptions.Size"/> if larger) or <see cref="MapOptions.Fit"/> is set (then the file grows to the window's end).
    /// A window that ends at the end of the file follows the file's length and can grow; one that ends before cannot change
    /// length, and nothing truncates data outside a window.
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

        return OpenCore(path, offset, length, wholeFile: false, options);
    }

    private static MappedFileStream OpenCore(string path, long offset, long length, bool wholeFile, MapOptions? options)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Emmap.Streams maps files with the Unix mmap API: Linux and macOS are supported.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Emmap.Streams stores little-endian integers and needs a little-endian CPU (x64, Arm64).");
        }

        MapOptions o = (options ?? new MapOptions()).Clone();
        string fullPath = System.IO.Path.GetFullPath(path);
        ValidateEnums(o);

        bool exists = File.Exists(fullPath);
        if (!exists && o.Mode is FileMode.Open or FileMode.Truncate)
        {
            throw new FileNotFoundException($"Could not find file '{fullPath}'.", fullPath);
        }

        bool writable = ValidateOptions(o, wholeFile, offset, length, exists);

        Region.ThrottleReservations();
        (FileStream file, bool created) = OpenFile(fullPath, o, writable);
        FileEntry entry = FileRegistry.Acquire(fullPath, file, writable);
        try
        {
            return Attach(entry, fullPath, offset, length, wholeFile, writable, created, o);
        }
        catch when (created)
        {
            DeleteQuietly(fullPath);
            throw;
        }
        finally
        {
            FileRegistry.Release(entry);
        }
    }

    private static MappedFileStream Attach(FileEntry entry, string fullPath, long offset, long length, bool wholeFile, bool writable, bool created, MapOptions options)
    {
        MapOptions o = options;
        MappedFileStream stream;
        lock (entry.Gate)
        {
            entry.Refresh(checkDisk: true);
            long current = entry.LogicalLength;
            bool truncate = !created && (o.Mode is FileMode.Truncate or FileMode.Create);
            long limit = long.MaxValue;

            if (created || truncate || current == 0)
            {
                long newLength = NewFileLength(o, wholeFile, offset, length);
                if (newLength == 0 || (!wholeFile && length == 0 && newLength <= offset))
                {
                    throw MissingSize(fullPath, nameof(options));
                }

                if (!writable)
                {
                    throw new NotSupportedException(
                        $"'{fullPath}' is empty and would have to grow to {newLength} bytes, which needs FileAccess.ReadWrite.");
                }

                if (truncate)
                {
                    entry.SetFileLength(0);
                }

                entry.SetFileLength(newLength);
                if (!wholeFile && length != 0 && offset + length < newLength)
                {
                    limit = offset + length;
                }
            }
            else if (wholeFile)
            {
                if (o.Size != 0 && o.Size != current)
                {
                    if (!o.Fit)
                    {
                        throw new IOException(
                            $"'{fullPath}' has {current} bytes but MapOptions.Size requests {o.Size}; set MapOptions.Fit to grow a shorter file or map a longer one whole.");
                    }

                    if (o.Size > current)
                    {
                        GrowForFit(entry, fullPath, current, o.Size, writable);
                    }
                }
            }
            else if (length == 0)
            {
                if (offset >= current)
                {
                    throw new IOException($"Offset {offset} is at or past the end of '{fullPath}' ({current} bytes).");
                }
            }
            else
            {
                long end = offset + length;
                if (end > current)
                {
                    if (!o.Fit)
                    {
                        throw new IOException(
                            $"The window [{offset}, {end}) reaches past the end of '{fullPath}' ({current} bytes); set MapOptions.Fit to grow the file.");
                    }

                    GrowForFit(entry, fullPath, current, end, writable);
                }
                else if (end < current)
                {
                    limit = end;
                }
            }

            MappingState state = o.Sharing == MapSharing.Shared
                ? entry.AttachShared()
                : entry.AttachPrivate(entry.LogicalLength);
            var view = new MappedView(state, fullPath, wholeFile ? 0 : offset, limit, writable, o.FixedSize, o.MaxIncrementSize);
            stream = new MappedFileStream(view, !created, o);
        }

        if (o.Populate)
        {
            stream._view.Populate();
        }

        if (o.Mode == FileMode.Append)
        {
            stream._position = stream._view.CachedLength;
        }

        return stream;
    }

    private static void GrowForFit(FileEntry entry, string fullPath, long current, long target, bool writable)
    {
        if (!writable)
        {
            throw new NotSupportedException(
                $"MapOptions.Fit would grow '{fullPath}' from {current} to {target} bytes, which needs FileAccess.ReadWrite.");
        }

        entry.SetFileLength(target);
    }

    private static void ValidateEnums(MapOptions options)
    {
        MapOptions o = options;
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
    }

    /// <summary>Checks the options against each other before anything on disk is touched; returns whether the map is writable.</summary>
    private static bool ValidateOptions(MapOptions options, bool wholeFile, long offset, long length, bool exists)
    {
        MapOptions o = options;
        if (o.Access == FileAccess.Write)
        {
            throw new ArgumentException(
                "A memory mapping cannot be write-only: use FileAccess.ReadWrite (or FileAccess.Read).", nameof(options));
        }

        bool writable = o.Access == FileAccess.ReadWrite;
        if (!writable && o.Mode is FileMode.CreateNew or FileMode.Create or FileMode.Truncate or FileMode.Append)
        {
            throw new ArgumentException(
                $"FileMode.{o.Mode} modifies the file, which needs FileAccess.ReadWrite, but MapOptions.Access is FileAccess.Read.", nameof(options));
        }

        if (o.Size < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.Size, "MapOptions.Size must not be negative.");
        }

        if (o.MaxIncrementSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), o.MaxIncrementSize, "MapOptions.MaxIncrementSize must be positive.");
        }

        bool creates = !exists;
        bool truncates = exists && o.Mode is FileMode.Truncate or FileMode.Create;
        if (creates && !writable)
        {
            throw new ArgumentException(
                $"The file does not exist and creating it needs FileAccess.ReadWrite, but MapOptions.Access is FileAccess.Read; nothing was created.",
                nameof(options));
        }

        if (creates || truncates)
        {
            long newLength = NewFileLength(o, wholeFile, offset, length);
            if (newLength == 0 || (!wholeFile && length == 0 && newLength <= offset))
            {
                throw MissingSize(null, nameof(options));
            }
        }

        return writable;
    }

    /// <summary>The length a new, empty or truncated file gets: the window's end or <see cref="MapOptions.Size"/>, whichever is larger.</summary>
    private static long NewFileLength(MapOptions o, bool wholeFile, long offset, long length) =>
        wholeFile || length == 0 ? o.Size : Math.Max(o.Size, offset + length);

    private static ArgumentException MissingSize(string? fullPath, string paramName)
    {
        string what = fullPath is null ? "A new or truncated file" : $"'{fullPath}' is empty and";
        return new ArgumentException(
            $"{what} needs a length: set MapOptions.Size (or give a window length that reaches past the offset).", paramName);
    }

    private static (FileStream File, bool Created) OpenFile(string fullPath, MapOptions o, bool writable)
    {
        FileAccess access = writable ? FileAccess.ReadWrite : FileAccess.Read;
        bool mayCreate = writable && o.Mode is FileMode.CreateNew or FileMode.Create or FileMode.OpenOrCreate or FileMode.Append;
        while (true)
        {
            if (mayCreate)
            {
                try
                {
                    return (OpenHandle(fullPath, FileMode.CreateNew, access, o.UnixCreateMode), true);
                }
                catch (IOException) when (o.Mode != FileMode.CreateNew && File.Exists(fullPath))
                {
                    // Someone else has the file: open theirs.
                }
            }

            try
            {
                return (OpenHandle(fullPath, FileMode.Open, access, null), false);
            }
            catch (FileNotFoundException) when (mayCreate)
            {
                // Deleted between the two attempts: try creating again.
            }
        }
    }

    // The handle is opened so that other openers can share the file (FileShare.ReadWrite | Delete: a shared
    // advisory lock on Unix), never with O_TRUNC (truncation goes through FileEntry, which keeps mappings safe).
    private static FileStream OpenHandle(string fullPath, FileMode mode, FileAccess access, UnixFileMode? createMode)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (createMode is { } permissions && !OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = permissions;
        }

        return new FileStream(fullPath, fileOptions);
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
}
