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
}
