using System;
using System.Buffers;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary><see cref="MappedFileStream.ReadSequence"/>: a pinned, zero-copy <see cref="ReadOnlySequence{T}"/> over any range.</summary>
[TestFixture]
public sealed class MappedSequenceOwnerTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _content = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("sequence.bin");
        _content = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 253)).ToArray();
        File.WriteAllBytes(_path, _content);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadSequence_Range_HoldsTheBytesAndSeesLaterWrites()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });

        using MappedSequenceOwner owner = stream.ReadSequence(100, 5000);
        owner.Length.ShouldBe(5000);
        owner.Sequence.ToArray().ShouldBe(_content[100..5100]);

        stream.WriteAt(100, "live"u8);
        owner.Sequence.Slice(0, 4).ToArray().ShouldBe("live"u8.ToArray());
    }

    [Test]
    public void ReadSequence_NearAndPastTheEnd_IsClipped()
    {
        using var stream = MappedFileStream.Open(_path);

        using MappedSequenceOwner near = stream.ReadSequence(9_990, 100);
        using MappedSequenceOwner past = stream.ReadSequence(20_000, 100);

        near.Length.ShouldBe(10);
        near.Sequence.ToArray().ShouldBe(_content[9_990..]);
        past.Length.ShouldBe(0);
        past.Sequence.IsEmpty.ShouldBeTrue();
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void ReadSequence_AfterTheStreamIsDisposed_StaysValidUntilDisposed()
    {
        var stream = MappedFileStream.Open(_path);
        MappedSequenceOwner owner = stream.ReadSequence(0, 10_000);
        stream.Dispose();

        owner.Sequence.ToArray().ShouldBe(_content);
        ProcessMaps.Maps(_path).ShouldBeTrue();
        stream.LiveViewCount.ShouldBe(1);

        owner.Dispose();
        owner.Dispose();

        ProcessMaps.Maps(_path).ShouldBeFalse();
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public unsafe void Pin_ASegment_KeepsTheBytesMappedUntilTheHandleIsDisposed()
    {
        // Async writers (FileStream.WriteAsync, sockets) pin the memory they are given for the whole operation.
        var stream = MappedFileStream.Open(_path);
        MappedSequenceOwner owner = stream.ReadSequence(0, 100);
        MemoryHandle pin = owner.Sequence.First.Pin();
        owner.Dispose();
        stream.Dispose();

        ProcessMaps.Maps(_path).ShouldBeTrue();
        new ReadOnlySpan<byte>(pin.Pointer, 100).ToArray().ShouldBe(_content[..100]);
        pin.Dispose();

        ProcessMaps.Maps(_path).ShouldBeFalse();
        GC.KeepAlive(owner);
    }

    [Test]
    public void Sequence_AfterDispose_RefusesAccess()
    {
        using var stream = MappedFileStream.Open(_path);
        MappedSequenceOwner owner = stream.ReadSequence(0, 100);
        ReadOnlySequence<byte> sequence = owner.Sequence;

        owner.Dispose();

        Should.Throw<ObjectDisposedException>(() => owner.Sequence);
        Should.Throw<ObjectDisposedException>(() => sequence.First.Span.Length);
    }
}
