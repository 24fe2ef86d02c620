using System.Buffers;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>Edges of direct views: ranges that overflow a long, sequence owners disposed twice, windows at odd offsets.</summary>
[TestFixture]
public sealed class ViewEdgeTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _content = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("views.bin");
        _content = Enumerable.Range(0, 10_000).Select(i => (byte)((i % 251) + 1)).ToArray();
        File.WriteAllBytes(_path, _content);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadDirectAndReadSequence_RangesOverflowingALong_AreClipped()
    {
        using var stream = MappedFileStream.Open(_path);

        using (IMemoryOwner<byte> view = stream.ReadDirect(9990, int.MaxValue))
        {
            view.Memory.ToArray().ShouldBe(_content[9990..]);
        }

        using (IMemoryOwner<byte> view = stream.ReadDirect(long.MaxValue, int.MaxValue))
        {
            view.Memory.Length.ShouldBe(0);
        }

        using (MappedSequenceOwner sequence = stream.ReadSequence(9960, long.MaxValue))
        {
            sequence.Length.ShouldBe(40);
            sequence.Sequence.ToArray().ShouldBe(_content[9960..]);
        }

        using (MappedSequenceOwner sequence = stream.ReadSequence(long.MaxValue - 1, long.MaxValue))
        {
            sequence.Length.ShouldBe(0);
            sequence.Sequence.IsEmpty.ShouldBeTrue();
        }

        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public void ReadSequence_DisposedTwice_IsHarmlessAndLiveViewCountFollows()
    {
        using var stream = MappedFileStream.Open(_path);
        MappedSequenceOwner first = stream.ReadSequence(0, 50);
        using MappedSequenceOwner second = stream.ReadSequence(50, 50);
        stream.LiveViewCount.ShouldBe(2);

        first.Dispose();
        first.Dispose();

        stream.LiveViewCount.ShouldBe(1);
        second.Sequence.FirstSpan[0].ShouldBe(_content[50]);
    }

    [Test]
    public void ReadDirect_WindowAtAnOddOffset_AliasesTheWindowsBytesOnly()
    {
        using var stream = MappedFileStream.Open(_path, 4097, 100, new MapOptions { Access = FileAccess.ReadWrite });

        using IMemoryOwner<byte> view = stream.ReadDirect(0, 200);
        using MappedSequenceOwner sequence = stream.ReadSequence(0, 1000);
        view.Memory.Span[0] = 0;

        view.Memory.ToArray().ShouldBe([0, .. _content[4098..4197]]);
        sequence.Length.ShouldBe(100);
        sequence.Sequence.FirstSpan[0].ShouldBe((byte)0);
        stream.ReadByte().ShouldBe(0);
    }
}
