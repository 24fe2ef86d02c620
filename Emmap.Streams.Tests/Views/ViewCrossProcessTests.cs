using System.Buffers;
using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>Direct views and real child processes: a view bound once shows what another process writes later.</summary>
[TestFixture]
public sealed class ViewCrossProcessTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("views.bin");
        File.WriteAllBytes(_path, new byte[64]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadDirect_ChildProcessWritesLater_TheViewHereSeesIt()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Direct = true });
        using IMemoryOwner<byte> bin = stream.ReadAt(0, 5);
        bin.Memory.ToArray().ShouldBe(new byte[5]);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        child.Ask("write 0 test2").ShouldBe("ok");
        bin.Memory.ToArray().ShouldBe("test2"u8.ToArray());

        child.Ask("write 0 test3").ShouldBe("ok");
        bin.Memory.ToArray().ShouldBe("test3"u8.ToArray());
        child.ShouldExitWith(0);
    }

    [Test]
    public void ReadDirect_ThisProcessWritesLater_AViewInTheChildSeesIt()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        child.Ask("view 10 6").ShouldBe("ok");
        child.Ask("show").ShouldBe("......");

        stream.WriteAt(10, "parent"u8);

        child.Ask("show").ShouldBe("parent");
        child.ShouldExitWith(0);
    }

    [Test]
    public void Views_AfterAChildProcessAppends_SeeTheNewBytesAsReadAtDoes([Values] bool readOnly)
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite });
        using (stream.ReadDirect(0, 1))
        {
        }

        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        child.Ask("append hello").ShouldBe("64");

        using IMemoryOwner<byte> direct = stream.ReadDirect(64, 5);
        using MappedSequenceOwner sequence = stream.ReadSequence(64, 5);
        using IMemoryOwner<byte> copy = stream.ReadAt(64, 5);
        byte[] span = new byte[5];
        stream.ReadAt(64, span).ShouldBe(5);
        span.ShouldBe("hello"u8.ToArray());

        direct.Memory.ToArray().ShouldBe("hello"u8.ToArray());
        sequence.Sequence.ToArray().ShouldBe("hello"u8.ToArray());
        copy.Memory.ToArray().ShouldBe("hello"u8.ToArray());
        child.ShouldExitWith(0);
    }
}
