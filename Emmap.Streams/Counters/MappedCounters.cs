using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using Emmap.Streams.Counters;
using Emmap.Streams.Native;

namespace Emmap.Streams;

/// <summary>
/// Persistent 64-bit counters in a memory-mapped file (emmap <c>open_counters</c>, <c>inc_counter</c>, ...), shared by
/// every thread and every process that opens the file, and kept across restarts. The file format is emmap's, byte for
/// byte, so counter files move between Erlang and .NET.
/// </summary>
/// <remarks>
/// <para><b>Results.</b> <see cref="Increment"/>, <see cref="Decrement"/>, <see cref="Set"/> and
/// <see cref="CompareExchange"/> return the value <em>before</em> the change, as emmap does; <see cref="Read"/> returns
/// the current value. Arithmetic wraps in two's complement.</para>
/// <para><b>Thread and process safety.</b> Every member except <see cref="Dispose"/> is safe from many threads at once,
/// and every update is one atomic instruction on the mapped slot, so threads and processes that share the file never
/// lose an update. Updates are full fences; <see cref="Read"/> has acquire semantics. A call that races with
/// <see cref="Dispose"/> either completes or throws <see cref="ObjectDisposedException"/>.</para>
/// <para><b>Durability.</b> An update is in the page cache when the call returns: it survives the process being killed
/// with no flush. <see cref="Flush(bool)"/> with <see langword="true"/> makes it survive power loss.</para>
/// <para><b>File format.</b> <c>"EMMAP01\n"</c>, the count as an unsigned 64-bit little-endian integer, then one signed
/// 64-bit little-endian slot per counter: <see cref="GetFileSize"/> bytes in all (docs/counters.md).</para>
/// </remarks>
/// <example>
/// <code>
/// using var counters = MappedCounters.Open("/tmp/mem.bin", 2);
/// long n1 = counters.Increment(0);      // 0 on a fresh file: the value before the increment
/// long n2 = counters.Increment(0, 5);   // 1
/// long now = counters.Read(0);          // 6
/// </code>
/// </example>
public sealed class MappedCounters : IDisposable
{
    private const int MaxOpenAttempts = 8;
    private const int ScanChunk = 1 << 20;

    private readonly MappedFileStream _stream;
    private readonly int _count;
    private readonly bool _leaveOpen;
    private int _disposed;

    private MappedCounters(MappedFileStream stream, int count, bool leaveOpen)
    {
        _stream = stream;
        _count = count;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the number of counters.</summary>
    /// <value>The count stored in the file's header; indexes run from 0 to <c>Count - 1</c>. Read once at open, so it stays
    /// readable after <see cref="Dispose"/>, as <see cref="Path"/> does.</value>
    public int Count => _count;

    /// <summary>Gets the full path of the counter file.</summary>
    /// <value>The absolute path of the mapped file (for counters made with <see cref="MappedCountersExtensions.AsCounters(MappedFileStream, int)"/>,
    /// the stream's file).</value>
    public string Path => _stream.Name;

    /// <summary>Creates a counter file with <paramref name="count"/> counters, or opens an existing one (emmap <c>open_counters/2</c>).</summary>
    /// <param name="path">The counter file.</param>
    /// <param name="count">The number of counters: a new file gets this many, all zero; an existing file must have this many.
    /// 0 opens an existing file with whatever count it has.</param>
    /// <returns>The counters, read-write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty; or <paramref name="count"/> is 0 and the file does not
    /// exist (nothing is created); or the file exists with a different number of counters (<see cref="ArgumentException.ParamName"/>
    /// is <c>count</c>; the file is untouched).</exception>
    /// <exception cref="InvalidDataException">The file exists but is not a valid counter file: a magic other than
    /// <c>"EMMAP01\n"</c>, a header shorter than 16 bytes, or a size that does not match the count. The file is untouched.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its directory cannot be accessed.</exception>
    /// <exception cref="IOException">An I/O error occurred, for example no space to create the file.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>
    /// <para>Creation is atomic: the header is written into a temporary file next to <paramref name="path"/>, which is then
    /// linked into place only if nothing is there yet. Another thread or process opening the file at the same moment
    /// sees either no file or a complete one, never a partial header. When several create the file at once, one wins and
    /// all open its file.</para>
    /// <para>Opening never changes an existing file: unlike emmap, which re-initialises some invalid files, this throws.</para>
    /// </remarks>
    public static MappedCounters Open(string path, int count) => Open(path, count, null);

    /// <summary>Creates or opens a counter file as <see cref="Open(string, int)"/> does, with options.</summary>
    /// <param name="path">The counter file.</param>
    /// <param name="count">The number of counters; 0 opens an existing file with whatever count it has.</param>
    /// <param name="options">The access and the permissions of a created file; <see langword="null"/> for the defaults
    /// (read-write, <c>0600</c>).</param>
    /// <returns>The counters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative, or <see cref="MappedCountersOptions.UnixCreateMode"/>
    /// has bits that are not permissions (checked whether or not the file exists).</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty; <see cref="MappedCountersOptions.Access"/> is not
    /// <see cref="FileAccess.Read"/> or <see cref="FileAccess.ReadWrite"/>; <paramref name="count"/> is 0 and a read-write open finds
    /// no file; or the file has a different number of counters.</exception>
    /// <exception cref="FileNotFoundException">The access is <see cref="FileAccess.Read"/> and the file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file exists but is not a valid counter file; it is untouched.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its directory cannot be accessed.</exception>
    /// <exception cref="IOException">An I/O error occurred.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>With <see cref="FileAccess.Read"/>, <see cref="Read"/> works and every update throws <see cref="NotSupportedException"/>.</remarks>
    public static MappedCounters Open(string path, int count, MappedCountersOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        FileAccess access = options?.Access ?? FileAccess.ReadWrite;
        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException(
                "MappedCountersOptions.Access must be FileAccess.Read or FileAccess.ReadWrite (a mapping cannot be write-only).", nameof(options));
        }

        bool writable = access == FileAccess.ReadWrite;
        UnixFileMode createMode = options?.UnixCreateMode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ThrowHelper.ThrowIfNotPermissions(createMode, "MappedCountersOptions.UnixCreateMode", nameof(options));
        string fullPath = System.IO.Path.GetFullPath(path);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return OpenExisting(fullPath, count, writable);
            }
            catch (UnauthorizedAccessException denied) when (Directory.Exists(fullPath))
            {
                throw new UnauthorizedAccessException($"'{fullPath}' is a directory, not a counter file.", denied);
            }
            catch (FileNotFoundException missing)
            {
                if (!writable)
                {
                    // A read-only open never creates: the file is simply missing, whatever the count.
                    throw;
                }

                if (count == 0)
                {
                    throw new ArgumentException(
                        $"'{fullPath}' does not exist, and a count of 0 (open with the file's own count) cannot create it; nothing was created.",
                        nameof(count),
                        missing);
                }

                if (attempt == MaxOpenAttempts)
                {
                    throw new IOException(
                        $"'{fullPath}' could be neither opened nor created ({MaxOpenAttempts} attempts): something there is not a file " +
                        "(a dangling symbolic link?), or it is removed each time it is created.",
                        missing);
                }
            }

            CreateFile(fullPath, count, createMode);
        }
    }

    /// <summary>Returns the size of a counter file (or stream window) holding <paramref name="count"/> counters: <c>16 + 8 × count</c>.</summary>
    /// <param name="count">The number of counters.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <remarks>Use it as <see cref="MapOptions.Size"/> when creating a stream for <see cref="MappedCountersExtensions.AsCounters(MappedFileStream, int)"/>.</remarks>
    public static long GetFileSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return CounterFileLayout.BlockSize(count);
    }

    /// <summary>Adds <paramref name="by"/> to counter <paramref name="index"/> (emmap <c>inc_counter</c>).</summary>
    /// <param name="index">The counter, from 0 to <see cref="Count"/> - 1.</param>
    /// <param name="by">The amount to add; negative values subtract.</param>
    /// <returns>The value before the increment.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>), or other code
    /// cut the file short of the counter (the exception then names the cell's <c>position</c>, as the stream's atomics do).</exception>
    /// <exception cref="NotSupportedException">The counters were opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    /// <remarks>One atomic instruction on the mapped slot; no allocation, no system call.</remarks>
    public long Increment(int index, long by = 1) => _stream.AtomicAddCore(SlotPosition(index), by);

    /// <summary>Subtracts <paramref name="by"/> from counter <paramref name="index"/> (emmap <c>dec_counter</c>).</summary>
    /// <param name="index">The counter, from 0 to <see cref="Count"/> - 1.</param>
    /// <param name="by">The amount to subtract.</param>
    /// <returns>The value before the decrement.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>), or other code
    /// cut the file short of the counter (the exception then names the cell's <c>position</c>, as the stream's atomics do).</exception>
    /// <exception cref="NotSupportedException">The counters were opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    public long Decrement(int index, long by = 1) => _stream.AtomicAddCore(SlotPosition(index), unchecked(-by));

    /// <summary>Stores <paramref name="value"/> in counter <paramref name="index"/> (emmap <c>set_counter</c>).</summary>
    /// <param name="index">The counter, from 0 to <see cref="Count"/> - 1.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The value before the change.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>), or other code
    /// cut the file short of the counter (the exception then names the cell's <c>position</c>, as the stream's atomics do).</exception>
    /// <exception cref="NotSupportedException">The counters were opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    public long Set(int index, long value) => _stream.AtomicExchange(SlotPosition(index), value);

    /// <summary>
    /// Stores <paramref name="value"/> in counter <paramref name="index"/> if it holds <paramref name="comparand"/>, with the
    /// order and meaning of <see cref="Interlocked.CompareExchange(ref long, long, long)"/>.
    /// </summary>
    /// <param name="index">The counter, from 0 to <see cref="Count"/> - 1.</param>
    /// <param name="value">The value to store.</param>
    /// <param name="comparand">The value the counter must hold.</param>
    /// <returns>The value the counter held; the store happened if and only if it equals <paramref name="comparand"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>), or other code
    /// cut the file short of the counter (the exception then names the cell's <c>position</c>, as the stream's atomics do).</exception>
    /// <exception cref="NotSupportedException">The counters were opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    public long CompareExchange(int index, long value, long comparand) =>
        _stream.AtomicCompareExchange(SlotPosition(index), value, comparand);

    /// <summary>Reads counter <paramref name="index"/> (emmap <c>read_counter</c>).</summary>
    /// <param name="index">The counter, from 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The current value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>), or other code
    /// cut the file short of the counter (the exception then names the cell's <c>position</c>, as the stream's atomics do).</exception>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    /// <remarks>An acquire load with no locked instruction: it works on read-only counters.</remarks>
    public long Read(int index) => _stream.AtomicRead(SlotPosition(index));

    /// <summary>Schedules write-back of the counters to the file (emmap <c>flush</c>, <c>msync(MS_ASYNC)</c>); does not wait.</summary>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    /// <exception cref="IOException">The system refused.</exception>
    /// <remarks>Not needed for other processes to see updates, nor for updates to survive this process being killed.</remarks>
    public void Flush() => Flush(flushToDisk: false);

    /// <summary>Writes the counters back to the file; with <paramref name="flushToDisk"/>, waits until they are on the device.</summary>
    /// <param name="flushToDisk"><see langword="true"/> for a durable flush (<c>msync(MS_SYNC)</c> and <c>fsync</c>,
    /// <c>F_FULLFSYNC</c> on macOS): the values then survive power loss.</param>
    /// <exception cref="ObjectDisposedException">The counters are disposed.</exception>
    /// <exception cref="IOException">The write-back failed.</exception>
    public void Flush(bool flushToDisk)
    {
        ThrowIfDisposed();
        _stream.Flush(flushToDisk);
    }

    /// <summary>Closes the counters, and their stream unless they were made with <c>leaveOpen</c> (emmap <c>close_counters</c>).</summary>
    /// <remarks>Idempotent. The values stay in the file; nothing needs flushing for other processes or a later open to see them.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && !_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>
    /// Makes counters over <paramref name="stream"/>: validates the header at position 0 or, when
    /// <paramref name="formatBlank"/> is set, formats an all-zero block. Does not take ownership on failure.
    /// </summary>
    internal static MappedCounters Attach(MappedFileStream stream, int count, bool leaveOpen, bool formatBlank)
    {
        string source = stream.Offset == 0 ? $"'{stream.Name}'" : $"'{stream.Name}' (the window at file offset {stream.Offset})";
        if ((stream.Offset & (CounterFileLayout.SlotSize - 1)) != 0)
        {
            throw new ArgumentException(
                $"Counters need 8-byte aligned slots in the file, but the stream over '{stream.Name}' starts at file offset {stream.Offset}, " +
                "not a multiple of 8.",
                nameof(stream));
        }

        long length = stream.Length;
        Span<byte> header = stackalloc byte[CounterFileLayout.HeaderSize];
        if (length >= CounterFileLayout.HeaderSize)
        {
            if (formatBlank && count > 0 && stream.CanWrite && length == CounterFileLayout.BlockSize(count))
            {
                FormatIfBlank(stream, count, length);
            }

            // The magic is published last (one atomic store), so a valid magic read first implies a valid count.
            BinaryPrimitives.WriteInt64LittleEndian(header, stream.AtomicRead(0));
            BinaryPrimitives.WriteInt64LittleEndian(header[CounterFileLayout.CountPosition..], stream.AtomicRead(CounterFileLayout.CountPosition));
            if (formatBlank && count > 0 && length != CounterFileLayout.BlockSize(count) && header.IndexOfAnyExcept((byte)0) < 0)
            {
                // Say why a blank block was not formatted: its size.
                throw new InvalidDataException(
                    $"{source} is not a counter file: its header is all zeros, and it has {length} bytes, not the " +
                    $"{CounterFileLayout.BlockSize(count)} of a block of {count} counters, so it was not formatted.");
            }
        }

        int actual = CounterFileLayout.Validate(header, length, source);
        if (count != 0 && count != actual)
        {
            throw new ArgumentException(
                $"{source} has {actual} counters, but {count} were requested; " +
                (actual == 0 ? "pass 0 to open it. " : $"pass {actual}, or 0 to open with the file's count. ") +
                "The file was not changed.",
                nameof(count));
        }

        return new MappedCounters(stream, actual, leaveOpen);
    }

    private static MappedCounters OpenExisting(string fullPath, int count, bool writable)
    {
        var options = new MapOptions { Mode = FileMode.Open, Access = writable ? FileAccess.ReadWrite : FileAccess.Read };
        MappedFileStream stream;
        try
        {
            stream = MappedFileStream.Open(fullPath, options);
        }
        catch (ArgumentException refused) when (SizeOf(fullPath) is long size && size < CounterFileLayout.HeaderSize)
        {
            // An empty file cannot be mapped without growing it, which opening a counter file never does.
            throw new InvalidDataException(CounterFileLayout.Truncated($"'{fullPath}'", size).Message, refused);
        }

        try
        {
            return Attach(stream, count, leaveOpen: false, formatBlank: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes a complete counter file next to <paramref name="fullPath"/> and links it into place unless a file is already there.</summary>
    private static void CreateFile(string fullPath, int count, UnixFileMode createMode)
    {
        // A full path that names a file always has a directory (the root itself was refused as a directory).
        string directory = System.IO.Path.GetDirectoryName(fullPath)!;
        string temporary = System.IO.Path.Combine(directory, $".emmap-counters.{Guid.NewGuid():N}.tmp");
        try
        {
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = createMode;
            }

            using (var file = new FileStream(temporary, fileOptions))
            {
                // Reserve every block now, so the mapped slots can never fault later on a full disk.
                NativeFile.Grow(file.SafeFileHandle, 0, CounterFileLayout.BlockSize(count), temporary);
                Span<byte> header = stackalloc byte[CounterFileLayout.HeaderSize];
                CounterFileLayout.WriteHeader(header, count);
                RandomAccess.Write(file.SafeFileHandle, header, 0);
                file.Flush(flushToDisk: true);
            }

            _ = NativeFile.TryPublish(temporary, fullPath);
        }
        catch (IOException e) when (NativeFile.NamingThePublishedPath(e, fullPath) is { } named)
        {
            throw named;
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>
    /// Formats a block whose bytes are all zero (or whose formatting stopped after the count was written): count first,
    /// then the magic, each with a compare-exchange from zero, so racing formatters agree and nothing non-zero is overwritten.
    /// </summary>
    private static void FormatIfBlank(MappedFileStream stream, int count, long length)
    {
        if (stream.AtomicRead(0) != 0)
        {
            return;
        }

        long countWord = stream.AtomicRead(CounterFileLayout.CountPosition);
        if ((countWord != 0 && countWord != count) || !IsZero(stream, CounterFileLayout.HeaderSize, length))
        {
            return;
        }

        long seen = stream.AtomicCompareExchange(CounterFileLayout.CountPosition, count, 0);
        if (seen == 0 || seen == count)
        {
            _ = stream.AtomicCompareExchange(0, CounterFileLayout.MagicWord, 0);
        }
    }

    private static bool IsZero(MappedFileStream stream, long from, long to)
    {
        for (long position = from; position < to; position += ScanChunk)
        {
            int chunk = (int)Math.Min(ScanChunk, to - position);
            bool zero = stream.ReadInPlace(position, chunk, 0, static (data, _) => data.IndexOfAnyExcept((byte)0) < 0);
            if (!zero)
            {
                return false;
            }
        }

        return true;
    }

    private static long? SizeOf(string fullPath)
    {
        try
        {
            return new FileInfo(fullPath).Length;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [DoesNotReturn]
    private static void ThrowIndex(int index, int count) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"The counter index must be in [0, {count}).");

    private long SlotPosition(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            ThrowIndex(index, _count);
        }

        ThrowIfDisposed();
        return CounterFileLayout.HeaderSize + ((long)index * CounterFileLayout.SlotSize);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
