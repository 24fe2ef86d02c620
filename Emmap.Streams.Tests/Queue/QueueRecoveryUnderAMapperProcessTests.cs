using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Recovery at open shrinks a queue file that a crash left longer than its header says. Another process that maps the
/// file read-only at that moment (an inspector's reads, a view of the cut range) never faults, and agrees on the new length.
/// </summary>
[TestFixture]
public sealed class QueueRecoveryUnderAMapperProcessTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Open_RecoveryCutsAFileAnotherProcessMapsReadOnly_TheOtherNeverFaultsAndSeesTheNewLength()
    {
        string path = _dir.File("queue.q");
        using (var owner = ChildHost.Start("queue-script", path, "1", "--crash", "shrink.flipped", "1"))
        {
            owner.ShouldBeKilled();
        }

        long left = new FileInfo(path).Length;
        using var mapper = ChildHost.Start("stream-session", path, "readonly");
        mapper.ReadLine().ShouldBe("ready");
        mapper.Ask("length").ShouldBe(Text(left));
        mapper.Ask($"view {left - 64} 64").ShouldBe("ok");

        long recovered;
        using (var queue = MappedQueue.Open(path, 4096))
        {
            recovered = queue.GetMetadata().FileSize;
            recovered.ShouldBeLessThan(left, "the crash came after the header took the smaller size: recovery finishes the shrink");
        }

        mapper.Ask("show").ShouldBe(new string('.', 64), "the cut range reads zeros in the other process, and does not fault it");
        mapper.Ask("length").ShouldBe(Text(recovered));
        mapper.Ask($"read {left - 64} 64").ShouldBe(string.Empty);
        mapper.Ask("close").ShouldBe("closed");
        mapper.ShouldExitWith(0);

        // A read-only process never changes sizes, so the trim it owed waits for the next writer, which finishes it.
        using (var next = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            next.Length.ShouldBe(recovered);
        }

        new FileInfo(path).Length.ShouldBe(recovered);
    }

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
