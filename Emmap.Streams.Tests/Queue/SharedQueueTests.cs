using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Cli;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The contract of <see cref="QueueOptions.MultiProcess"/> besides the accounting (issue 12): the file's version, which opens
/// exclude which, waits that another process's push or pop completes, handlers in shared mode, and read-only inspection
/// (<c>emmap queue FILE info|verify</c>) of a queue that other processes are using.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SharedQueueTests
{
    // A guard against a hang, not a timing assertion.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(60);
    private static readonly QueueOptions s_shared = new() { MultiProcess = true };
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Open_Shared_MarksVersion2AndSingleProcessOpensStillWork()
    {
        string path = _dir.File("v.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.Push(QueueItems.Make(1, 64));
        }

        ReadVersion(path).ShouldBe(1u, "a queue never shared stays version 1");
        using (MappedQueue queue = MappedQueue.Open(path, 4096, s_shared))
        {
            queue.Push(QueueItems.Make(2, 64));
            queue.Count.ShouldBe(2);
        }

        ReadVersion(path).ShouldBe(2u);
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            QueueItems.Check(queue.Pop()).ShouldBe(1);
            queue.Push(QueueItems.Make(3, 64));
        }

        ReadVersion(path).ShouldBe(2u, "once shared, the file keeps the version that version-1 readers refuse");
        MappedQueue.Verify(path).IsIntact.ShouldBeTrue();
        using MappedQueue reopened = MappedQueue.Open(path, 4096, s_shared);
        QueueItems.Check(reopened.Pop()).ShouldBe(2);
        QueueItems.Check(reopened.Pop()).ShouldBe(3);
    }

    [Test]
    public void Open_SingleProcessWhileSharedProcessHasIt_ThrowsAndSharedOpenJoins()
    {
        string path = _dir.File("x.queue");
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path);
        holder.WaitUntilReady();

        Should.Throw<IOException>(() => MappedQueue.Open(path, 4096).Dispose()).Message.ShouldContain("shared mode");
        using (ConcurrentMappedQueue joined = ConcurrentMappedQueue.Open(path, 4096, s_shared))
        {
            joined.Enqueue(QueueItems.Make(7, 64));
        }

        holder.Send("close");
        holder.ShouldFinish();
        using MappedQueue alone = MappedQueue.Open(path, 4096);
        QueueItems.Check(alone.Pop()).ShouldBe(7);
    }

    [Test]
    public void Open_JoiningWhileTwoRewritesTearBothHeaderSlots_ReadsTheHeaderAgain()
    {
        // A joining open reads the header without the session's locks. Each rewrite of a slot (a growth, a shrink, a
        // checkpoint) writes the older one, so the read finds at most one slot torn, unless two rewrites overtake it. Here
        // both slots are unreadable at the first read, as two such rewrites leave them, and whole again before the next.
        string path = _dir.File("join.queue");
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path);
        holder.WaitUntilReady();
        using var raw = new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        byte[] slots = new byte[QueueLayout.HeaderSize];
        raw.ReadExactlyAt(0, slots);
        int reads = 0;
        CrashPoints.Hook = point =>
        {
            if (point != CrashPoints.SharedJoining)
            {
                return;
            }

            reads++;
            foreach (int slot in (int[])[QueueLayout.SlotAOffset, QueueLayout.SlotBOffset])
            {
                byte[] bytes = slots.AsSpan(slot, QueueLayout.SlotSize).ToArray();
                if (reads == 1)
                {
                    bytes[16] ^= 0xFF;
                }

                raw.WriteAt(slot, bytes);
            }
        };
        try
        {
            using MappedQueue joined = MappedQueue.Open(path, 4096, s_shared);
            joined.Push(QueueItems.Make(5, 64));
            QueueItems.Check(joined.Pop()).ShouldBe(5);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        reads.ShouldBe(2, "the first read found both slots torn, the second found them whole");
        holder.Send("close");
        holder.ShouldFinish();
        MappedQueue.Verify(path).IsIntact.ShouldBeTrue();
    }

    [Test]
    public void Open_SingleProcessWhileTheLastSharedProcessWritesItsCheckpoint_ThrowsAndTheCheckpointStands()
    {
        string path = _dir.File("closing.queue");
        MappedQueue queue = MappedQueue.Open(path, 4096, s_shared);
        queue.Push(QueueItems.Make(1, 64));
        queue.Push(QueueItems.Make(2, 64));
        QueueItems.Check(queue.Pop()).ShouldBe(1);

        // The last process of the session has decided to write its checkpoint: a single-process open in another process
        // must not get in before it is written (both would write the same header slot, and either could win).
        QueueChildResult? during = null;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.SharedClosing)
            {
                CrashPoints.Hook = null;
                during = QueueChild.Run("queue-open", path);
            }
        };
        try
        {
            queue.Dispose();
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        during.ShouldNotBeNull("the close reached its checkpoint");
        during.Finished.ShouldBeFalse(string.Join('\n', during.Lines));
        during.Errors.ShouldContain("shared mode");
        QueueChildResult after = QueueChild.Run("queue-open", path);
        after.Finished.ShouldBeTrue(after.Errors);
        after.Lines[0].ShouldBe("1");
        using MappedQueue alone = MappedQueue.Open(path, 4096);
        QueueItems.Check(alone.Pop()).ShouldBe(2);
        alone.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void Open_InThisProcessWhileItsPreviousQueueCloses_KeepsOtherOpensOut([Values] bool shared)
    {
        // One thread closes the process's queue while another opens it again. The new queue must keep the file once the old one
        // is gone: a single-process open in another process is refused while it is open.
        string path = _dir.File("reopen.queue");
        QueueOptions options = shared ? s_shared : new QueueOptions();
        MappedQueue first = MappedQueue.Open(path, 4096, options);
        first.Push(QueueItems.Make(1, 64));
        Task<MappedQueue>? reopening = null;
        string closing = shared ? CrashPoints.SharedClosing : CrashPoints.FlipWritten;
        CrashPoints.Hook = point =>
        {
            if (point == closing)
            {
                CrashPoints.Hook = null;
                reopening = Task.Run(() => MappedQueue.Open(path, 4096, options));
                _ = reopening.Wait(TimeSpan.FromMilliseconds(500));
            }
        };
        try
        {
            first.Dispose();
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        reopening.ShouldNotBeNull("the close reached its checkpoint");
        using MappedQueue second = reopening.Wait(s_hangGuard) ? reopening.Result : throw new TimeoutException("the second open hung");
        QueueChildResult single = QueueChild.Run("queue-open", path);
        single.Finished.ShouldBeFalse(string.Join('\n', single.Lines));
        single.Errors.ShouldContain(shared ? "shared mode" : "is open in process");
        QueueItems.Check(second.Pop()).ShouldBe(1);
    }

    [Test]
    [LinuxOnly("the waiter is found in /proc/locks; on Windows a mapped file is deleted only after its last close")]
    public void Open_SharedWhileTheLastProcessClosesWithAutoUnlink_UsesTheQueueAtThePathAndLosesNothing()
    {
        // The last process deletes the file at its close. Another process that opened the file and waits for the open lock
        // meanwhile must not start a session on the deleted file, whose items would go with it: it opens the path again.
        string path = _dir.File("unlinked.queue");
        MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, AutoUnlink = true });
        queue.Push(QueueItems.Make(1, 64));
        ulong inode = Native.NativeFile.TryGetStatus(path)!.Value.Identity.Inode;
        SharedChild? producer = null;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.SharedClosing)
            {
                CrashPoints.Hook = null;
                producer = SharedChild.Start("producer", "queue-shared-produce", path, "4", "2", "--size", "64");
                System.Threading.SpinWait.SpinUntil(() => FileLocks.WaiterExists(inode), s_hangGuard).ShouldBeTrue("the producer waits for the open lock");
            }
        };
        try
        {
            queue.Dispose();
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        producer.ShouldNotBeNull("the close reached its checkpoint");
        using (producer)
        {
            producer.ShouldFinish();
        }

        File.Exists(path).ShouldBeTrue("the producer made the queue again at the path");
        using MappedQueue after = MappedQueue.Open(path, 4096);
        long first = 4 * SharedQueueCommands.ProducerStride;
        after.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([first, first + 1]);
    }

    [Test]
    public void Open_SharedWhileSingleProcessOwnsIt_Throws()
    {
        string path = _dir.File("y.queue");
        using SharedChild owner = SharedChild.Start("owner", "queue-hold", path);
        owner.WaitUntilReady();

        Should.Throw<IOException>(() => MappedQueue.Open(path, 4096, s_shared).Dispose());

        owner.Send("close");
        owner.ShouldFinish();
        using MappedQueue shared = MappedQueue.Open(path, 4096, s_shared);
        shared.Count.ShouldBe(0);
    }

    [Test]
    public async Task DequeueAsync_AnotherProcessPushes_Completes()
    {
        string path = _dir.File("wake.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 65536, s_shared);
        Task<byte[]> dequeue = queue.DequeueAsync().AsTask();
        ValueTask<byte[]> read = queue.Reader.ReadAsync();
        dequeue.IsCompleted.ShouldBeFalse();

        using SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", path, "4", "2", "--size", "64");
        producer.ShouldFinish();

        byte[] first = await dequeue.WaitAsync(s_hangGuard);
        byte[] second = await read.AsTask().WaitAsync(s_hangGuard);
        // Both waiters wake for the pushes; which of them takes which item is theirs to race for.
        new[] { QueueItems.Check(first), QueueItems.Check(second) }.ShouldBe(
            [4 * SharedQueueCommands.ProducerStride, (4 * SharedQueueCommands.ProducerStride) + 1], ignoreOrder: true);
    }

    [Test]
    public void TryDequeue_PolledEmptyThenAnotherProcessPushes_ReturnsTheItems()
    {
        string path = _dir.File("poll.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 65536, s_shared);
        queue.TryDequeue(out byte[]? none).ShouldBeFalse();
        none.ShouldBeNull();
        queue.TryDequeue(new ArrayBufferWriter<byte>()).ShouldBeFalse();

        using SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", path, "4", "2", "--size", "64");
        producer.ShouldFinish();

        // This process pushed nothing, so only the file can say the queue is no longer empty.
        queue.TryDequeue(out byte[]? first).ShouldBeTrue();
        QueueItems.Check(first!).ShouldBe(4 * SharedQueueCommands.ProducerStride);
        var writer = new ArrayBufferWriter<byte>();
        queue.TryDequeue(writer).ShouldBeTrue();
        QueueItems.Check(writer.WrittenSpan.ToArray()).ShouldBe((4 * SharedQueueCommands.ProducerStride) + 1);
        queue.TryDequeue(out byte[]? _).ShouldBeFalse();
    }

    [Test]
    public async Task EnqueueAsync_FixedQueueFull_CompletesWhenAnotherProcessPops()
    {
        string path = _dir.File("space.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, FixedSize = true });
        long id = 0;
        while (queue.TryEnqueue(QueueItems.Make(id, 64)))
        {
            id++;
        }

        Task enqueue = queue.EnqueueAsync(QueueItems.Make(id, 64)).AsTask();
        enqueue.IsCompleted.ShouldBeFalse();

        using SharedChild consumer = SharedChild.Start("consumer", "queue-shared-consume", path, "--count", "1");
        consumer.ShouldFinish();

        await enqueue.WaitAsync(s_hangGuard);
        queue.Count.ShouldBe(id);
    }

    [Test]
    public void TryPop_HandlerCallsBackInSharedMode_ThrowsAndItemStays()
    {
        string path = _dir.File("h.queue");
        using MappedQueue queue = MappedQueue.Open(path, 4096, s_shared);
        queue.Push(QueueItems.Make(1, 64));

        Should.Throw<InvalidOperationException>(() => queue.TryPop(_ => queue.Count, out _));
        Should.Throw<InvalidOperationException>(() => queue.TryPop(_ => { queue.Push(QueueItems.Make(2, 64)); return 0; }, out _));
        Should.Throw<FormatException>(() => queue.TryPop<int>(_ => throw new FormatException(), out _));

        queue.Count.ShouldBe(1);
        queue.TryPop(static item => QueueItems.Check(item), out long popped).ShouldBeTrue();
        popped.ShouldBe(1);
    }

    [Test]
    public void Verify_WhileProcessesProduceAndConsume_ReportsNoDamage()
    {
        string path = _dir.File("live.queue");
        using (MappedQueue.Open(path, 8192, s_shared))
        {
        }

        using SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", path, "1", "9000000", "--quiet", "--backlog", "2000");
        using SharedChild grower = SharedChild.Start("grower", "queue-shared-churn", path, "5000000000", "3", "1000000000");
        using SharedChild consumer = SharedChild.Start("consumer", "queue-shared-consume", path, "--quiet");
        producer.WaitUntilReady();
        grower.WaitUntilReady();
        consumer.WaitUntilReady();

        int checks = 0;
        long mostItems = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(4) || checks < 20)
        {
            QueueVerification verification = MappedQueue.Verify(path);
            verification.IsQueue.ShouldBeTrue();
            verification.Problems.ShouldBeEmpty($"verification {checks + 1}, after {clock.ElapsedMilliseconds} ms; its notes: {string.Join(" ", verification.Notes)}");
            mostItems = Math.Max(mostItems, verification.ItemsChecked);
            using (MappedQueue inspector = MappedQueue.Open(path, 8192, new QueueOptions { ReadOnly = true }))
            {
                inspector.Count.ShouldBeGreaterThanOrEqualTo(0);
            }

            checks++;
        }

        mostItems.ShouldBeGreaterThan(0, "the verifications should have found items to check");
        foreach (SharedChild child in (SharedChild[])[producer, grower, consumer])
        {
            // Still at work, or done with it: a child that met damage (or any error) in the queue exits with another code.
            if (child.HasExited)
            {
                child.ExitCode.ShouldBe(0, $"the {child.Role} failed: {child.Errors}");
            }
        }

        CliResult info = EmmapCli.Run("queue", path, "info");
        info.ExitCode.ShouldBe(0, info.ToString());
        CliResult verify = EmmapCli.Run("queue", path, "verify");
        verify.ExitCode.ShouldBe(0, verify.ToString());
        verify.Output.ShouldContain("OK");
        TestContext.Out.WriteLine($"{checks} verifications (up to {mostItems} items) while three processes used the queue; the CLI's:\n{verify.Output}");
    }

    [Test]
    public void Verify_ThatReadTheHeaderWhileAShrinkCommittedItsSlot_ScansAgainAndReportsNoDamage()
    {
        // A shrink moves the generation word, writes its slot, then lowers the length. A snapshot that read the word after
        // the move, the header before the slot was whole and the length once lowered saw the old slot's size in a shorter file.
        string path = _dir.File("shrinking.queue");
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path, "--initial", "4096");
        holder.WaitUntilReady();
        using MappedQueue queue = MappedQueue.Open(path, 4096, s_shared);
        queue.Push(QueueItems.Make(1, 64 * 1024));
        QueueItems.Check(queue.Pop()).ShouldBe(1);
        queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096, "the large item grew the file");

        int shrinking = Environment.CurrentManagedThreadId;
        using var headerRead = new ManualResetEventSlim();
        using var shrunk = new ManualResetEventSlim();
        Task<QueueVerification>? verifying = null;
        CrashPoints.Hook = name =>
        {
            if (name == CrashPoints.FlipTorn && Environment.CurrentManagedThreadId == shrinking && verifying is null)
            {
                verifying = Task.Factory.StartNew(() => MappedQueue.Verify(path), TaskCreationOptions.LongRunning);
                headerRead.Wait(s_hangGuard).ShouldBeTrue("the verification should have read the header");
            }
            else if (name == CrashPoints.SnapshotHeaderRead && Environment.CurrentManagedThreadId != shrinking && !headerRead.IsSet)
            {
                headerRead.Set();
                shrunk.Wait(s_hangGuard);
            }
        };
        try
        {
            queue.Purge().ShouldBeTrue();
        }
        finally
        {
            CrashPoints.Hook = null;
            shrunk.Set();
        }

        verifying.ShouldNotBeNull("the shrink should have written a slot");
        verifying.Wait(s_hangGuard).ShouldBeTrue();
        QueueVerification verification = verifying.Result;
        verification.Notes.ShouldContain(note => note.Contains("snapshot", StringComparison.Ordinal));
        verification.Problems.ShouldBeEmpty();
        verification.Notes.ShouldNotContain(note => note.Contains("changed under", StringComparison.Ordinal), "the second scan saw nothing move");
        queue.GetMetadata().FileSize.ShouldBe(4096);
    }

    [Test]
    public void Verify_WhenTheQueueMovesUnderEveryScan_StopsAfterItsRetriesAndSaysSo()
    {
        string path = _dir.File("restless.queue");
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path, "--initial", "4096");
        holder.WaitUntilReady();
        using (MappedQueue queue = MappedQueue.Open(path, 4096, s_shared))
        {
            queue.Push(QueueItems.Make(1, 64));
        }

        // Another handle moves the generation while each scan runs, as a process that grows and shrinks the queue without
        // pause would.
        using var raw = new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        int scans = 0;
        CrashPoints.Hook = name =>
        {
            if (name == CrashPoints.SnapshotHeaderRead)
            {
                scans++;
                raw.AtomicAdd(QueueLayout.GenerationOffset, 1);
            }
        };
        QueueVerification verification;
        try
        {
            verification = MappedQueue.Verify(path);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        scans.ShouldBe(MappedQueue.SnapshotRetries + 1);
        verification.Notes.ShouldContain(note => note.Contains($"changed under each of {MappedQueue.SnapshotRetries + 1} scans", StringComparison.Ordinal));
        verification.ItemsChecked.ShouldBe(1);
        verification.Problems.ShouldBeEmpty();
        holder.Send("close");
        holder.ShouldFinish();
    }

    private static uint ReadVersion(string path)
    {
        byte[] header = new byte[1024];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.ReadExactly(header);
        long a = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        long b = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(512 + 16));
        return BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(a >= b ? 8 : 512 + 8));
    }
}
