using System.Collections.Generic;
using System.IO;
using System.Linq;
using System;
using System.Threading.Tasks;

using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// F1 (an I/O error at each commit point) and F9 (disk full during growth) of the crash matrix, through the native
/// fault-injection seam: an operation that fails with <see cref="IOException"/> must not have happened, the queue must keep
/// working, and a reopened queue must equal a model that applied only the operations that succeeded.
/// </summary>
[TestFixture]
public sealed class QueueFaultTests
{
    private const int EIO = 5;
    private const int ENOSPC = 28;
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private enum Op
    {
        Push,
        Pop,
        PopAndPurge,
        Erase,
        Purge,
    }

    // Fills past several growths, pops while wrapped, drains with purge (shrink), erases.
    private static IEnumerable<(Op Op, int Size)> Workload()
    {
        for (int i = 0; i < 24; i++)
        {
            yield return (Op.Push, i % 3 == 0 ? 900 : 120);
            if (i % 4 == 3)
            {
                yield return (Op.Pop, 0);
            }
        }

        for (int i = 0; i < 22; i++)
        {
            yield return (Op.PopAndPurge, 0);
        }

        for (int i = 0; i < 8; i++)
        {
            yield return (Op.Push, 700);
        }

        yield return (Op.Erase, 0);
        yield return (Op.Push, 50);
        yield return (Op.Pop, 0);
        yield return (Op.Purge, 0);
    }

    [TestCase(QueueDurability.None)]
    [TestCase(QueueDurability.Always)]
    public void Workload_KthNativeCallFails_OperationsAreAllOrNothing(QueueDurability durability)
    {
        int calls = 0;
        RunWorkload(_dir.File("dry.queue"), durability, _ => { calls++; return 0; });
        calls.ShouldBeGreaterThan(5);
        TestContext.Out.WriteLine($"{calls} native calls can fail in the workload.");

        for (int k = 1; k <= calls; k++)
        {
            string path = _dir.File($"k{k}.queue");
            int seen = 0;
            int errno = k % 2 == 0 ? ENOSPC : EIO;
            int failures = RunWorkload(path, durability, _ => ++seen == k ? errno : 0, out List<long>? model);

            failures.ShouldBeLessThanOrEqualTo(1);
            Directory.GetFiles(_dir.Path).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).ShouldBeEmpty($"k={k}");
            if (model is null)
            {
                // The open itself failed: no queue, or an empty valid one.
                if (File.Exists(path))
                {
                    using var created = MappedQueue.Open(path, 4096);
                    created.IsEmpty.ShouldBeTrue($"k={k}");
                }

                continue;
            }

            using var reopened = MappedQueue.Open(path, 4096);
            reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(model, $"k={k}, errno {errno}, durability {durability}");
        }
    }

    [Test]
    public void Push_DiskWithoutRoomForThePolicysGrowth_GrowsByWhatTheItemNeedsInWholePages()
    {
        string path = _dir.File("tight.queue");
        using var queue = MappedQueue.Open(path, 65536);
        for (int i = 0; i < 504; i++)
        {
            // 504 records of 128 bytes fill the 64512-byte ring.
            queue.Push(QueueItems.Make(i, 100));
        }

        int allocations = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Allocate && allocations++ == 0 ? ENOSPC : 0))
        {
            queue.Push(QueueItems.Make(504, 100));
        }

        // The policy's doubling to 128 KiB found no room; the 128-byte record needs one more page.
        allocations.ShouldBe(2);
        queue.GetMetadata().FileSize.ShouldBe(65536 + 4096);
        new FileInfo(path).Length.ShouldBe(65536 + 4096);
        Enumerable.Range(0, 505).Select(_ => QueueItems.Check(queue.Pop())).ShouldBe(Enumerable.Range(0, 505).Select(i => (long)i));
    }

    [Test]
    public void Push_DiskFullDuringGrowth_ThrowsIOExceptionAndItemsStillPop()
    {
        string path = _dir.File("full.queue");
        using var queue = MappedQueue.Open(path, 4096);
        int pushed = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Allocate ? ENOSPC : 0))
        {
            IOException error = Should.Throw<IOException>(() =>
            {
                while (true)
                {
                    queue.Push(QueueItems.Make(pushed, 100));
                    pushed++;
                }
            });

            error.ShouldNotBeOfType<QueueFullException>();
            error.HResult.ShouldBe(ENOSPC);
            queue.TryPush(QueueItems.Make(pushed, 100)).ShouldBeFalse();
            queue.Count.ShouldBe(pushed);
            new FileInfo(path).Length.ShouldBe(4096);
        }

        for (int i = 0; i < pushed; i++)
        {
            QueueItems.Check(queue.Pop()).ShouldBe(i);
        }

        // Space again: growth works.
        for (int i = 0; i < 100; i++)
        {
            queue.Push(QueueItems.Make(i, 100));
        }

        queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);
    }

    [Test]
    public void TryPush_OnANearlyFullDisk_GrowsByWhatTheItemNeedsWhereDoublingDoesNotFit([Values] bool wrapped)
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(256);
        string path = disk.File("near.queue");
        long first = 0;
        long next = 0;
        using (var queue = MappedQueue.Open(path, 64 * 1024))
        {
            if (wrapped)
            {
                // The items then wrap around the ring's end, so a growth moves some of them.
                for (; next < 50; next++)
                {
                    queue.Push(QueueItems.Make(next, 1000));
                }

                for (; first < 40; first++)
                {
                    QueueItems.Check(queue.Pop()).ShouldBe(first);
                }
            }
        }

        disk.FillUp();
        using (var filler = new FileStream(disk.File("filler"), FileMode.Open, FileAccess.Write))
        {
            // About 32 KiB free: room for more items, not for the growth policy's doubling of the file to 128 KiB.
            filler.SetLength(filler.Length - (32 * 1024));
        }

        using (var queue = MappedQueue.Open(path, 64 * 1024))
        {
            while (queue.TryPush(QueueItems.Make(next, 1000)))
            {
                next++;
            }

            queue.GetMetadata().FileSize.ShouldBeInRange(64 * 1024 + 1, 128 * 1024 - 1);
        }

        // The initial ring holds about 64 items of 1 KiB; growth by the items alone takes about 30 more.
        (next - first).ShouldBeGreaterThan(80);
        using var reopened = MappedQueue.Open(path, 64 * 1024);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range((int)first, (int)(next - first)).Select(i => (long)i));
    }

    [Test]
    public async Task EnqueueAsyncAndWriteAsync_GrowableQueueTheDiskCannotGrow_ThrowTheIOExceptionRatherThanWaitForAPop([Values] bool shared)
    {
        using var queue = ConcurrentMappedQueue.Open(_dir.File("full.queue"), 4096, new QueueOptions { MultiProcess = shared });
        int pushed = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Allocate ? ENOSPC : 0))
        {
            while (queue.TryEnqueue(QueueItems.Make(pushed, 100)))
            {
                pushed++;
            }

            IOException enqueue = await Should.ThrowAsync<IOException>(async () => await queue.EnqueueAsync(QueueItems.Make(pushed, 100)).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            enqueue.HResult.ShouldBe(ENOSPC);
            IOException write = await Should.ThrowAsync<IOException>(async () => await queue.Writer.WriteAsync(QueueItems.Make(pushed, 100)).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            write.HResult.ShouldBe(ENOSPC);
            queue.Writer.TryWrite(QueueItems.Make(pushed, 100)).ShouldBeFalse("a channel's TryWrite says only that it cannot write now");
            queue.Count.ShouldBe(pushed, "the failed calls enqueued nothing");
        }

        await queue.EnqueueAsync(QueueItems.Make(pushed, 100));
        await queue.Writer.WriteAsync(QueueItems.Make(pushed + 1, 100));
        for (int i = 0; i < pushed + 2; i++)
        {
            queue.TryDequeue(out byte[]? item).ShouldBeTrue();
            QueueItems.Check(item).ShouldBe(i);
        }
    }

    [Test]
    public void TryPush_IOErrorOtherThanNoSpace_Throws()
    {
        using var queue = MappedQueue.Open(_dir.File("eio.queue"), 4096);
        using (FaultInjection.Install(point => point == FaultPoint.Allocate ? EIO : 0))
        {
            Should.Throw<IOException>(() =>
            {
                for (int i = 0; i < 100; i++)
                {
                    queue.TryPush(new byte[100]);
                }
            }).HResult.ShouldBe(EIO);
        }
    }

    private static int RunWorkload(string path, QueueDurability durability, Func<FaultPoint, int> fault) => RunWorkload(path, durability, fault, out _);

    /// <summary>Runs the workload with <paramref name="fault"/> installed; returns how many operations failed and the model of what succeeded.</summary>
    private static int RunWorkload(string path, QueueDurability durability, Func<FaultPoint, int> fault, out List<long>? model)
    {
        Func<FaultPoint, int> hook = fault;
        var items = new Queue<long>();
        int failures = 0;
        long nextId = 0;
        MappedQueue? queue = null;
        using (FaultInjection.Install(hook))
        {
            try
            {
                queue = MappedQueue.Open(path, 4096, new QueueOptions { Durability = durability });
            }
            catch (IOException)
            {
                model = null;
                return 1;
            }

            foreach ((Op op, int size) in Workload())
            {
                try
                {
                    switch (op)
                    {
                        case Op.Push:
                            queue.Push(QueueItems.Make(nextId, size));
                            items.Enqueue(nextId);
                            break;
                        case Op.Pop:
                            if (queue.Pop() is { } popped)
                            {
                                QueueItems.Check(popped).ShouldBe(items.Dequeue());
                            }

                            break;
                        case Op.PopAndPurge:
                            if (queue.PopAndPurge() is { } purged)
                            {
                                QueueItems.Check(purged).ShouldBe(items.Dequeue());
                            }

                            break;
                        case Op.Erase:
                            queue.Erase();
                            items.Clear();
                            break;
                        default:
                            queue.Purge().ShouldBe(items.Count == 0);
                            break;
                    }
                }
                catch (IOException)
                {
                    failures++;
                }

                nextId++;
                queue.Count.ShouldBe(items.Count);
                if (items.Count > 0)
                {
                    QueueItems.Check(queue.PeekFront()).ShouldBe(items.Peek());
                }
            }
        }

        queue.Dispose();
        model = [.. items];
        return failures;
    }
}
