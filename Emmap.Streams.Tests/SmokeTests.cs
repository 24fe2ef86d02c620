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
}
