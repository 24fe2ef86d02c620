using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests;

[TestFixture]
public sealed class SmokeTests
{
    [Test]
    public void WriteThenRead_RoundTrips()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.bin");
        using (var s = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16 }))
        {
            s.Length.ShouldBe(16);
            s.WriteAt(2, "hello"u8);
            byte[] buf = new byte[5];
            s.ReadAt(2, buf).ShouldBe(5);
            buf.ShouldBe("hello"u8.ToArray());
            s.Position = 16;
            s.Write("tail"u8);
            s.Length.ShouldBe(20);
        }

        File.ReadAllBytes(path).Length.ShouldBe(20);
    }

    [Test]
    public void Atomics_SimpleTestStep7_MatchesEmmap()
    {
        using var dir = new TempDirectory();
        using var s = MappedFileStream.Open(dir.File("a.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 8 });
        s.AtomicAdd(0, 10).ShouldBe(0);
        s.AtomicAdd(0, 10).ShouldBe(10);
        s.AtomicSubtract(0, 5).ShouldBe(20);
        s.AtomicSubtract(0, 12).ShouldBe(15);
        s.AtomicAnd(0, 7).ShouldBe(3);
        s.AtomicOr(0, 7).ShouldBe(3);
        s.AtomicXor(0, 9).ShouldBe(7);
        s.AtomicExchange(0, 10).ShouldBe(14);
        s.AtomicExchange(0, 0).ShouldBe(10);
        s.AtomicCompareExchange(0, 20, 0).ShouldBe(0);
        s.AtomicCompareExchange(0, 20, 10).ShouldBe(20);
        s.AtomicCompareExchange(0, 0, 20).ShouldBe(20);
        s.AtomicRead(0).ShouldBe(0);
    }
}
