using System;
using System.Buffers;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary><see cref="ViewStreamExtensions"/>: streams over views and sequences that read the mapped bytes and own what they wrap.</summary>
[TestFixture]
public sealed class ViewStreamExtensionsTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _content = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("view.bin");
        _content = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        File.WriteAllBytes(_path, _content);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void AsStream_EmptyWritePastTheEnd_ThrowsNotSupportedAsAMemoryStreamThatCannotGrow()
    {
        using var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using Stream view = mapped.ReadDirect(0, 8).AsStream();
        using var model = new MemoryStream(new byte[8]);
        foreach (Stream stream in new[] { view, model })
        {
            stream.Position = 8;
            stream.Write(ReadOnlySpan<byte>.Empty);
            stream.Position = 9;
            Should.Throw<NotSupportedException>(() => stream.Write(ReadOnlySpan<byte>.Empty));
        }
    }

    [Test]
    public void WriteAt_ListWithABufferWhoseMemoryIsGone_ThrowsBeforeAnythingIsWritten_AsRandomAccess([Values] bool pastTheEnd)
    {
        byte[] original = File.ReadAllBytes(_path);
        IMemoryOwner<byte> gone;
        using (var source = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.Read }))
        {
            gone = source.ReadDirect(0, 4);
        }

        ReadOnlyMemory<byte> dead = gone.Memory;
        gone.Dispose();
        ReadOnlyMemory<byte>[] buffers = [dead, new byte[] { 0xAA, 0xAA }];
        long position = pastTheEnd ? original.Length - 2 : 10;

        string copy = _directory.File("copy.bin");
        File.WriteAllBytes(copy, original);
        using (var file = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite))
        {
            Should.Throw<ObjectDisposedException>(() => RandomAccess.Write(file.SafeFileHandle, buffers, position));
        }

        using (var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            Should.Throw<ObjectDisposedException>(() => mapped.WriteAt(position, buffers));
        }

        File.ReadAllBytes(copy).ShouldBe(original);
        File.ReadAllBytes(_path).ShouldBe(original);
    }

    [Test]
    public void AsStream_View_ReadsTheMappedBytesAndSeesLaterWrites()
    {
        using var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using Stream stream = mapped.ReadDirect(100, 5000).AsStream();

        stream.Length.ShouldBe(5000);
        mapped.WriteAt(100, "live"u8);
        byte[] read = new byte[5000];
        stream.ReadExactly(read);

        read[..4].ShouldBe("live"u8.ToArray());
        read[4..].ShouldBe(_content[104..5100]);
    }

    [Test]
    public void AsStream_View_DisposingTheStreamDisposesTheView()
    {
        using var mapped = MappedFileStream.Open(_path);
        IMemoryOwner<byte> view = mapped.ReadDirect(0, 10);
        Stream stream = view.AsStream();
        mapped.LiveViewCount.ShouldBe(1);

        stream.Dispose();

        mapped.LiveViewCount.ShouldBe(0);
        Should.Throw<ObjectDisposedException>(() => view.Memory.Span.ToArray());
    }

    [Test]
    public void AsStream_Sequence_ReadsAndSeeksTheWholeRange()
    {
        using var mapped = MappedFileStream.Open(_path);
        using Stream stream = mapped.ReadSequence(0, mapped.Length).AsStream();

        stream.Length.ShouldBe(_content.Length);
        stream.CanWrite.ShouldBeFalse();
        stream.Seek(9_000, SeekOrigin.Begin);
        byte[] tail = new byte[2_000];
        int read = stream.ReadAtLeast(tail, tail.Length, throwOnEndOfStream: false);

        read.ShouldBe(1_000);
        tail[..read].ShouldBe(_content[9_000..]);
    }

    [Test]
    public void AsStream_Sequence_DisposingTheStreamReleasesThePin()
    {
        using var mapped = MappedFileStream.Open(_path);
        MappedSequenceOwner owner = mapped.ReadSequence(0, 100);
        Stream stream = owner.AsStream();
        mapped.LiveViewCount.ShouldBe(1);

        stream.Dispose();

        mapped.LiveViewCount.ShouldBe(0);
        Should.Throw<ObjectDisposedException>(() => owner.Sequence);
        Should.Throw<ObjectDisposedException>(() => stream.ReadByte());
    }

    [Test]
    public void AsStream_ViewAndSequence_PositionReadAndWriteAtTheEdgesAsAMemoryStreamDoes([Values("view", "sequence")] string kind)
    {
        using var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using Stream stream = kind == "sequence" ? mapped.ReadSequence(100, 50).AsStream() : mapped.ReadDirect(100, 50).AsStream();
        bool writable = kind == "view";
        using var model = new MemoryStream(_content[100..150], writable);
        stream.CanWrite.ShouldBe(writable);

        byte[] got = new byte[8];
        byte[] expected = new byte[8];
        foreach ((long offset, SeekOrigin origin) in new[] { (60L, SeekOrigin.Begin), (5L, SeekOrigin.End), (-20L, SeekOrigin.Current), (-1L, SeekOrigin.Begin) })
        {
            Outcome(() => stream.Seek(offset, origin)).ShouldBe(Outcome(() => model.Seek(offset, origin)), $"Seek({offset}, {origin})");
            stream.Position.ShouldBe(model.Position);
            Outcome(() => stream.Read(got)).ShouldBe(Outcome(() => model.Read(expected)));
            got.ShouldBe(expected);
            stream.Position.ShouldBe(model.Position);
        }

        Outcome(() => stream.Position = 1_000).ShouldBe(Outcome(() => model.Position = 1_000));
        Outcome(() => stream.ReadByte()).ShouldBe(Outcome(() => model.ReadByte()));
        Outcome(() => stream.Position = -1).ShouldBe(Outcome(() => model.Position = -1));
        if (writable)
        {
            stream.Position = model.Position = 46;
            Outcome(() => { stream.Write("12345"u8); return 0; }).ShouldBe(Outcome(() => { model.Write("12345"u8); return 0; }));
            Outcome(() => { stream.Write("1234"u8); return 0; }).ShouldBe(Outcome(() => { model.Write("1234"u8); return 0; }));
            stream.Position.ShouldBe(model.Position);
            byte[] written = new byte[4];
            mapped.ReadExactlyAt(146, written);
            written.ShouldBe("1234"u8.ToArray());
            stream.Position = model.Position = 70;
            Outcome(() => { stream.Write("x"u8); return 0; }).ShouldBe(Outcome(() => { model.Write("x"u8); return 0; }));
            mapped.Length.ShouldBe(_content.Length);
        }

        stream.Dispose();
        model.Dispose();
        Outcome(() => stream.Position = -1).ShouldBe(Outcome(() => model.Position = -1), "the value is checked before the state");
        Outcome(() => stream.Position = 1).ShouldBe(Outcome(() => model.Position = 1));
    }

    // What a call returned, or the type of what it threw.
    private static string Outcome(Func<long> call)
    {
        try
        {
            return call().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }
}
