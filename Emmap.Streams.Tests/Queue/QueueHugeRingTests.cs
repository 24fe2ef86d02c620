using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Queues whose ring is larger than one skip marker can span (32 GiB), on sparse files: the file holds only what was written.
/// </summary>
[TestFixture]
[LinuxOnly("a sparse file of 33 GiB; Windows allocates what it maps")]
public sealed class QueueHugeRingTests
{
    private const long FileSize = 33L << 30;

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Purge_WithMoreThan32GiBOfRingAfterTheTail_LeavesAnIntactFileAtEveryPoint()
    {
        string path = _dir.File("huge.queue");
        using (MappedQueue queue = MappedQueue.Open(path, FileSize))
        {
            queue.Push(QueueItems.Make(1, 64));
            QueueItems.Check(queue.Pop()).ShouldBe(1);

            // A purge moves the cursors of an empty queue to the ring start past one skip marker, if it moves them: stopped
            // between its two cursor words (as a crash would), the file must still read as an intact empty queue.
            _ = QueueCrashPointSwitch.StopAt(CrashPoints.WrapReposition, () => queue.Purge());
        }

        QueueVerification verification = MappedQueue.Verify(path);
        verification.Problems.ShouldBeEmpty();

        using MappedQueue reopened = MappedQueue.Open(path, FileSize);
        reopened.Count.ShouldBe(0);
        reopened.Push(QueueItems.Make(2, 64));
        QueueItems.Check(reopened.Pop()).ShouldBe(2);
    }
}
