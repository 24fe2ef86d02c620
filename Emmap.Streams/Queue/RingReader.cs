using System;
using System.IO;
using System.Runtime.InteropServices;
using Emmap.Streams.Mapping;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams;

/// <summary>
/// The bytes of a queue's ring as a scan reads them: copied from the file with positional reads into one native buffer, a MiB
/// at a time, instead of read through the mapping. A scan reads every record once, and making a file's pages present in a
/// mapping can cost several times the copy (4 KiB folios: docs/benchmarks.md, "Freshly written pages"). Bytes past the readable
/// end read as zeros, as they would through the mapping. The reader holds a reference on the descriptor it reads with, so
/// a writable open of the file in this process, which retires that descriptor for a read-write one, closes it only after
/// the scan; both name the same file.
/// </summary>
/// <remarks>
/// Not thread-safe: one per scan, disposed when the scan ends. Reads of the file and the mapping see the same pages of the page
/// cache (on Windows, of the file's section), so both give a scan the same bytes.
/// </remarks>
internal unsafe ref struct RingReader
{
    /// <summary>The most bytes one <see cref="At"/> can return.</summary>
    internal const int Capacity = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly bool _added;
    private readonly long _fileOffset;
    private readonly long _readable;
    private readonly byte* _buffer;
    private long _start;
    private long _end;

    /// <summary>Starts reading the view at file offset <paramref name="fileOffset"/> of <paramref name="entry"/>'s file.</summary>
    /// <param name="entry">The file.</param>
    /// <param name="fileOffset">The view's offset in the file.</param>
    /// <param name="readable">The view's bytes that hold data; later ones read as zeros.</param>
    internal RingReader(FileEntry entry, long fileOffset, long readable)
    {
        _fileOffset = fileOffset;
        _readable = readable;
        lock (entry.Gate)
        {
            // Under the gate: the descriptor is the entry's current one, which nothing has released yet.
            _file = entry.Handle;
            _file.DangerousAddRef(ref _added);
        }

        try
        {
            _buffer = (byte*)NativeMemory.Alloc(Capacity);
        }
        catch
        {
            _file.DangerousRelease();
            throw;
        }
    }

    /// <summary>
    /// Returns the address of <paramref name="count"/> (at most <see cref="Capacity"/>) bytes of the view from
    /// <paramref name="phys"/> on, valid until the next call; reads the file when they are not in the buffer.
    /// </summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    internal byte* At(long phys, int count)
    {
        if (phys < _start || phys + count > _end)
        {
            Fill(phys);
        }

        return _buffer + (phys - _start);
    }

    /// <summary>Frees the buffer and lets the descriptor go (nothing, for a default instance).</summary>
    public void Dispose()
    {
        NativeMemory.Free(_buffer);
        if (_added)
        {
            _file.DangerousRelease();
        }
    }

    private void Fill(long phys)
    {
        int wanted = (int)Math.Clamp(_readable - phys, 0, Capacity);
        int got = 0;
        while (got < wanted)
        {
            int read = RandomAccess.Read(_file, new Span<byte>(_buffer + got, wanted - got), _fileOffset + phys + got);
            if (read == 0)
            {
                // Shorter than the view says (shrunk meanwhile): zeros, as the mapping reads there; the caller's access reports
                // the cut.
                break;
            }

            got += read;
        }

        new Span<byte>(_buffer + got, Capacity - got).Clear();
        _start = phys;
        _end = phys + Capacity;
    }
}
