using System;
using System.Buffers;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Every way the suites reach the shared 256 MiB file: a <see cref="MappedFileStream"/> and the raw address of
/// its own mapping (taken the public way, through a pinned direct view), a buffered <see cref="FileStream"/>,
/// a handle for <see cref="RandomAccess"/>, and <see cref="MemoryMappedFile"/>'s accessor and view stream.
/// Every mapping is faulted in before measuring (for writing too, when asked), so no case pays first-touch faults, and
/// whatever was written is flushed to the disk at the end, so that its write-back does not run under the next suite's rounds.
/// </summary>
internal sealed unsafe class LargeFileFixture : IDisposable
{
    private readonly IMemoryOwner<byte> _view;
    private readonly MemoryHandle _pin;
    private readonly MemoryMappedFile _mapped;
    private readonly bool _writable;
    private byte* _accessorPointer;
    private byte* _viewStreamPointer;

    internal LargeFileFixture(bool writable)
    {
        Path = DataFiles.Large();
        Length = DataFiles.LargeFileSize;
        FileAccess access = writable ? FileAccess.ReadWrite : FileAccess.Read;
        MemoryMappedFileAccess mappedAccess = writable ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.Read;

        Stream = MappedFileStream.Open(Path, new MapOptions { Access = access, Populate = true });
        _view = Stream.ReadDirect(0, checked((int)Length));
        _pin = _view.Memory.Pin();
        Base = (byte*)_pin.Pointer;

        FileStream = new FileStream(Path, FileMode.Open, access, FileShare.ReadWrite);
        Handle = File.OpenHandle(Path, FileMode.Open, access, FileShare.ReadWrite);

        _mapped = MemoryMappedFile.CreateFromFile(Path, FileMode.Open, mapName: null, capacity: 0, mappedAccess);
        Accessor = _mapped.CreateViewAccessor(0, Length, mappedAccess);
        ViewStream = _mapped.CreateViewStream(0, Length, mappedAccess);
        Accessor.SafeMemoryMappedViewHandle.AcquirePointer(ref _accessorPointer);
        ViewStream.SafeMemoryMappedViewHandle.AcquirePointer(ref _viewStreamPointer);

        Prefault(Base, writable);
        Prefault(_accessorPointer + Accessor.PointerOffset, writable);
        Prefault(_viewStreamPointer + ViewStream.PointerOffset, writable);

        // Read every page of every mapping once more, now that all are in place: on this machine kind a page read for the first
        // time since the kernel's access sampling (DAMON) last cleared its accessed bit costs a trip through the host, 1-5 us
        // with no page fault the guest counts, and the warm-up of a suite walks too few random offsets to pay for every page.
        Prefault(Base, writable: false);
        Prefault(_accessorPointer + Accessor.PointerOffset, writable: false);
        Prefault(_viewStreamPointer + ViewStream.PointerOffset, writable: false);
        _writable = writable;
    }

    internal string Path { get; }

    internal long Length { get; }

    internal MappedFileStream Stream { get; }

    /// <summary>Gets the address of byte 0 of <see cref="Stream"/>'s mapping: the raw-pointer ceiling.</summary>
    internal byte* Base { get; }

    internal FileStream FileStream { get; }

    internal SafeFileHandle Handle { get; }

    internal MemoryMappedViewAccessor Accessor { get; }

    internal MemoryMappedViewStream ViewStream { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        FlushWrites();
        ViewStream.SafeMemoryMappedViewHandle.ReleasePointer();
        Accessor.SafeMemoryMappedViewHandle.ReleasePointer();
        ViewStream.Dispose();
        Accessor.Dispose();
        _mapped.Dispose();
        Handle.Dispose();
        FileStream.Dispose();
        _pin.Dispose();
        _view.Dispose();
        Stream.Dispose();
    }

    // Writes the pages that prefaulting and the cases dirtied through to the disk at the end, so that the kernel's flusher does
    // not write them back 30 s later, in the middle of the next suite's rounds (see DataFiles.FlushToDisk). Not at the start:
    // the first write to a page written back since costs a write fault through the file system (17-50 us here), and the
    // write cases would time those instead of the copies.
    private void FlushWrites()
    {
        if (_writable)
        {
            Stream.Flush(flushToDisk: true);
        }
    }

    private void Prefault(byte* start, bool writable)
    {
        int page = Environment.SystemPageSize;
        long sum = 0;
        for (long at = 0; at < Length; at += page)
        {
            if (writable)
            {
                // Same byte back: dirties the page table entry for writing, not the data.
                Volatile.Write(ref start[at], Volatile.Read(ref start[at]));
            }
            else
            {
                sum += Volatile.Read(ref start[at]);
            }
        }

        GC.KeepAlive(sum);
    }
}
