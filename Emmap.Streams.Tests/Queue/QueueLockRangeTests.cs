using Emmap.Streams.Mapping;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A shared queue's byte-range locks and the file's own size and presence locks are taken through the same handle, where
/// locks do not exclude each other: a queue's open lock on the size lock's byte would let a size change and a queue open of
/// one process overlap, and releasing one would release the other. The ranges must not meet.
/// </summary>
[TestFixture]
public sealed class QueueLockRangeTests
{
    [Test]
    public void QueueLocks_StartPastTheFilesSizeAndPresenceLocks()
    {
        QueueLayout.LockBase.ShouldBeGreaterThanOrEqualTo(SharedFileState.LockRangeEnd);
        SharedFileState.LockRangeStart.ShouldBeLessThan(QueueLayout.LockBase);
    }

    [Test]
    public void QueueLocks_OfAQueueInAWindowStayBelowTheLargestLockOffset()
    {
        // A window 1 TiB into a file: its lock bytes, presence reach included, still fit a signed 64-bit offset.
        const long window = 1L << 40;
        long start = QueueLayout.LockBase + (window << 17);
        start.ShouldBeGreaterThan(QueueLayout.LockBase);
        (long.MaxValue - start).ShouldBeGreaterThan(2 + Native.RangeLocks.PresenceReach);
    }
}
