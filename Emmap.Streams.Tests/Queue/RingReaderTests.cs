using System;
using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The reader a queue's scan uses: the view's bytes copied with positional reads, zeros past the readable end, and the file's
/// current bytes still once a writable open of the file has retired the descriptor it reads with.
/// </summary>
[TestFixture]
public sealed class RingReaderTests
{
    private const int FileSize = 4 << 20;

    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _bytes = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("ring.bin");
        _bytes = new byte[FileSize];
        new Random(7).NextBytes(_bytes);
        File.WriteAllBytes(_path, _bytes);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public unsafe void At_ReturnsTheViewsBytes_AndZerosPastTheReadableEnd()
    {
        using var stream = new MappedFileStream(_path, FileMode.Open, FileAccess.Read);
        MappedView view = stream.View;
        long readable = FileSize - 1000;
        var ring = new RingReader(view.Entry, view.Offset, readable);
        try
        {
            foreach (long at in new long[] { 16, (1 << 20) - 8, 3 << 20, readable - 24 })
            {
                new ReadOnlySpan<byte>(ring.At(at, 64), 64).ToArray().ShouldBe(Expected(at, 64, readable), $"at {at}");
            }

            new ReadOnlySpan<byte>(ring.At(16, RingReader.Capacity), RingReader.Capacity).ToArray()
                .ShouldBe(_bytes.AsSpan(16, RingReader.Capacity).ToArray());
        }
        finally
        {
            ring.Dispose();
        }
    }

    [Test]
    public unsafe void At_AfterAWritableOpenRetiredItsDescriptor_ReadsTheFilesCurrentBytes()
    {
        using var reader = new MappedFileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        MappedView view = reader.View;
        SafeFileHandle descriptor = view.Entry.Handle;
        var ring = new RingReader(view.Entry, view.Offset, FileSize);
        try
        {
            new ReadOnlySpan<byte>(ring.At(0, 64), 64).ToArray().ShouldBe(_bytes.AsSpan(0, 64).ToArray());

            // A writable open of the same file in this process moves the shared mapping to a new read-write descriptor and
            // disposes the read-only one the reader took (closed once the reader lets it go).
            using var writer = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            byte[] written = [1, 2, 3, 4, 5, 6, 7, 8];
            writer.WriteAt(3 << 20, written);
            view.Entry.Handle.ShouldNotBeSameAs(descriptor);

            new ReadOnlySpan<byte>(ring.At(3 << 20, 8), 8).ToArray().ShouldBe(written);
            new ReadOnlySpan<byte>(ring.At(2 << 20, 64), 64).ToArray().ShouldBe(_bytes.AsSpan(2 << 20, 64).ToArray());
        }
        finally
        {
            ring.Dispose();
        }
    }

    private byte[] Expected(long at, int count, long readable)
    {
        byte[] expected = new byte[count];
        int present = (int)Math.Clamp(readable - at, 0, count);
        _bytes.AsSpan((int)at, present).CopyTo(expected);
        return expected;
    }
}
