using System.IO;
using System.Linq;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>Real child processes (Emmap.Streams.TestHost) mapping the same file as this process.</summary>
[TestFixture]
public sealed class MappedFileStreamCrossProcessTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("shared.bin");
        File.WriteAllBytes(_path, new byte[128]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Shared_WritesBothWays_AreVisibleToTheOtherLiveMapping()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        // Parent to child: the child's mapping, opened before the write, shows it.
        stream.WriteAt(0, "from parent"u8);
        child.Ask("read 0 11").ShouldBe("from parent");

        // Child to parent: this mapping, opened before the write, shows it; so does a plain file read.
        child.Ask("write 20 from child").ShouldBe("ok");
        Read(stream, 20, 10).ShouldBe("from child");
        Encoding.ASCII.GetString(SharedFile.ReadAllBytes(_path), 20, 10).ShouldBe("from child");

        child.ShouldExitWith(0);
    }

    [Test]
    public void View_AfterItsOwnShrinkAndARegrowthByAnotherProcess_AliasesTheFileWithoutALookAtTheLength(
        [Values] bool disposeTheStream)
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 3 * 4096).ToArray());
        var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var view = stream.ReadDirect(0, 3 * 4096);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        stream.SetLength(100);
        if (disposeTheStream)
        {
            // The view outlives its stream: nothing in this process looks at the length again.
            stream.Dispose();
        }

        child.Ask("setlength 12288").ShouldBe("ok");
        child.Ask("write 8192 hello").ShouldBe("ok");

        Encoding.ASCII.GetString(view.Memory.Span.Slice(8192, 5)).ShouldBe("hello", "the view shows the other process's write");
        view.Memory.Span[100..8192].ToArray().ShouldAllBe(b => b == 0, "the cut bytes came back as zeros");
        view.Memory.Span[9000] = (byte)'Z';
        child.Ask("read 9000 1").ShouldBe("Z", "a write through the view reaches the file");
        stream.Dispose();
        child.Ask("close").ShouldBe("closed");
        child.ShouldExitWith(0);
    }

    [Test]
    public void Shared_ChildWritesAndExits_TheWriteStaysInTheFile()
    {
        string written = ChildHostWrite("persisted", "shared");

        written.ShouldBe("written");
        Encoding.ASCII.GetString(SharedFile.ReadAllBytes(_path), 5, 9).ShouldBe("persisted");
    }

    [Test]
    public void Shared_ParentWrite_IsSeenByAChildOpeningLater()
    {
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.WriteAt(40, "hello child"u8);
            ChildHost.Run("stream-read", _path, "40", "11").ShouldBe("hello child");
        }
    }

    [Test]
    public void Private_ChildWrites_AreInvisibleToThisProcessAndTheFile()
    {
        using var stream = MappedFileStream.Open(_path);
        using var child = ChildHost.Start("stream-session", _path, "private");
        child.ReadLine().ShouldBe("ready");

        child.Ask("write 0 secret").ShouldBe("ok");
        child.Ask("read 0 6").ShouldBe("secret");

        Read(stream, 0, 6).ShouldBe("......");
        SharedFile.ReadAllBytes(_path)[..6].ShouldBe(new byte[6]);
        ChildHost.Run("stream-read", _path, "0", "6").ShouldBe("\0\0\0\0\0\0");
        child.ShouldExitWith(0);
        SharedFile.ReadAllBytes(_path).ShouldBe(new byte[128]);
    }

    [Test]
    public void Private_ParentWrites_AreInvisibleToAChild()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        stream.WriteAt(0, "mine"u8);

        child.Ask("read 0 4").ShouldBe("....");
        Read(stream, 0, 4).ShouldBe("mine");
        child.ShouldExitWith(0);
    }

    [Test]
    public void WriteAt_WriterKilledWithoutFlushOrDispose_TheBytesAreInTheFile()
    {
        // A shared mapping's stores are in the page cache at once: killing the writer loses none of them, with no flush.
        using var child = ChildHost.Start("stream-write", _path, "5", "survives the kill", "shared");
        child.ReadLine().ShouldBe("written");

        child.Kill();

        byte[] bytes = File.ReadAllBytes(_path);
        bytes.Length.ShouldBe(128);
        Encoding.UTF8.GetString(bytes, 5, 17).ShouldBe("survives the kill");
    }

    private static string Read(MappedFileStream stream, long position, int count)
    {
        byte[] buffer = new byte[count];
        int read = stream.ReadAt(position, buffer);
        return Encoding.Latin1.GetString(buffer, 0, read).Replace('\0', '.');
    }

    private string ChildHostWrite(string text, string sharing)
    {
        using var child = ChildHost.Start("stream-write", _path, "5", text, sharing);
        string answer = child.ReadLine();
        child.ShouldExitWith(0);
        return answer;
    }

    [Test]
    [LinuxOnly("another program truncates a mapped file; Windows refuses to truncate a file while it is mapped")]
    public void Length_AfterAnotherProgramTruncatedTheFileUnderAView_SwapsTheLostPagesOutAndTheViewReadsZeros()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 3 * 4096).ToArray());
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        child.Ask("view 8192 4").ShouldBe("ok");
        child.Ask("show").ShouldBe("aaaa");

        using (var plain = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            plain.SetLength(4096);
        }

        // Touching the view now would be a SIGBUS; the next Length notices the truncation and swaps the lost pages out first.
        child.Ask("length").ShouldBe("4096");
        child.Ask("show").ShouldBe("....", "the view's pages past the new end are zero pages, not a fault");
        child.ShouldExitWith(0);
    }
}
