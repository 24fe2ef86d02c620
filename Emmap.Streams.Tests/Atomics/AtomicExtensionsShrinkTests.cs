using System;
using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Atomics;

/// <summary>The atomics' bounds follow the stream's length: a cell cut by a shrink is out of range, and grows back as zero.</summary>
[TestFixture]
public sealed class AtomicExtensionsShrinkTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("cells.bin");
        File.WriteAllBytes(_path, new byte[32]);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Atomics_CellCutByAShrink_ThrowArgumentOutOfRangeAndGrowBackAsZero()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var other = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        stream.AtomicWrite(24, 9);

        other.SetLength(20);

        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicRead(24));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(24, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(16, 1));
        stream.AtomicAdd(8, 1).ShouldBe(0);
        stream.Length.ShouldBe(20);

        other.SetLength(32);

        stream.AtomicRead(24).ShouldBe(0);
    }
}
