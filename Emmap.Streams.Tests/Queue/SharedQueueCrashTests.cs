using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The crash-point matrix across processes (issue 12): a process using a shared queue stops itself with SIGKILL at a named point
/// (holding the producers' lock before it writes, between the journal and the commit, after the commit before the counts, holding
/// the consumers' lock, inside growth, shrink, wrap and erase) while another process keeps the session open. Then a consumer and
/// this test join: they must take over whatever lock the dead process held (bounded blocking), repair what it left, and account
/// for every acknowledged push exactly once.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SharedQueueCrashTests
{
    private static readonly string[] s_points =
    [
        "shared.claimed", "shared.journaled", "shared.committed", "shared.head.claimed", "shared.pop.journaled",
        "push.payload", "push.header", "push.committed", "wrap.marker", "wrap.reposition", "pop.read", "pop.committed",
        "grow.extended", "grow.copying", "grow.copied", "flip.torn", "flip.written", "grow.flipped",
        "shrink.flipped", "shrink.truncated", "erase.committed",
    ];

    private static Dictionary<string, int>? s_hits;
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    public static IEnumerable<string> Points() => s_points;

    [Test]
    public void Script_SharedWithoutCrash_PassesEveryCrashPoint()
    {
        Dictionary<string, int> hits = ScriptHits();

        foreach (string point in s_points)
        {
            hits.GetValueOrDefault(point).ShouldBeGreaterThan(0, $"the shared script never reaches {point}");
        }
    }

    [TestCaseSource(nameof(Points))]
    public void Script_KilledAtPointWhileSessionLives_OthersTakeOverAndLoseNothing(string point)
    {
        int total = ScriptHits()[point];
        foreach (int k in new[] { 1, (total + 1) / 2 }.Distinct())
        {
            string path = _dir.File($"{point}-{k}.queue");
            using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path, "--initial", "4096");
            holder.WaitUntilReady();
            using SharedChild victim = SharedChild.Start("victim", "queue-script", path, "0", "--shared", "--crash", point, k.ToString(CultureInfo.InvariantCulture));
            victim.WaitForExit();
            victim.ExitCode.ShouldBe(137, $"the victim was to be killed at {point} #{k}: {victim.Errors}");

            RunSurvivors(path, victim, holder, $"{point} #{k}");
        }
    }

    [Test]
    public void TakeOver_TakerKilledWhileRepairing_NextProcessTakesOver()
    {
        string path = _dir.File("takeover.queue");
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path, "--initial", "4096");
        holder.WaitUntilReady();

        // The first dies holding the producers' lock; the second takes it over and dies before repairing anything.
        using SharedChild first = SharedChild.Start("first", "queue-shared-produce", path, "1", "50", "--crash", "shared.claimed", "20");
        first.WaitForExit();
        first.ExitCode.ShouldBe(137, first.Errors);
        using SharedChild second = SharedChild.Start("second", "queue-shared-produce", path, "2", "50", "--crash", "shared.takeover", "1");
        second.WaitForExit();
        second.ExitCode.ShouldBe(137, $"the second producer was to die right after taking the lock over: {second.Errors}");

        RunSurvivors(path, first, holder, "chained takeover", second);
    }

    [Test]
    public async Task WaitForAnotherProcess_ItIsKilledBetweenItsCommitAndItsWake_CompletesAnyway([Values] bool forSpace)
    {
        // A process waiting for items (or for space) sleeps on the event word until a committer wakes it. The committer here
        // dies right after its commit, before it looks for waiters to wake: the waiter must still see the commit.
        string path = _dir.File(forSpace ? "space-wake.queue" : "item-wake.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, FixedSize = forSpace });
        long id = 0;
        Task wait;
        SharedChild victim;
        if (forSpace)
        {
            while (queue.TryEnqueue(QueueItems.Make(id, 64)))
            {
                id++;
            }

            wait = queue.EnqueueAsync(QueueItems.Make(id, 64)).AsTask();
            await Task.Delay(500);
            wait.IsCompleted.ShouldBeFalse("the queue is full, so the enqueue waits");
            victim = SharedChild.Start(
                "consumer", "queue-shared-consume", path, "--count", "1", "--fixed", "--initial", "4096", "--crash", "pop.committed", "1");
        }
        else
        {
            wait = queue.DequeueAsync().AsTask();
            await Task.Delay(500);
            wait.IsCompleted.ShouldBeFalse("the queue is empty, so the dequeue waits");
            victim = SharedChild.Start("producer", "queue-shared-produce", path, "3", "1", "--initial", "4096", "--crash", "shared.committed", "1");
        }

        using (victim)
        {
            victim.WaitForExit();
            victim.ExitCode.ShouldBe(137, victim.Errors);
        }

        // Nothing woke the waiter: it sees the commit at its next look at the cursor words.
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        if (forSpace)
        {
            queue.Count.ShouldBe(id, "one item was popped by the killed consumer and one pushed by the wait");
        }
        else
        {
            QueueItems.Check(((Task<byte[]>)wait).Result).ShouldBe(3 * SharedQueueCommands.ProducerStride);
        }
    }

    /// <summary>
    /// After the victim died: a consumer joins and waits, this test joins and pushes the stop item (taking over a producers' lock
    /// the victim held), counts (both locks: taking over a consumers' lock), the consumer drains to the stop item, and the ledger
    /// checks every acknowledgement. Then the holder leaves.
    /// </summary>
    private static void RunSurvivors(string path, SharedChild victim, SharedChild holder, string context, SharedChild? secondVictim = null)
    {
        using SharedChild consumer = SharedChild.Start("consumer", "queue-shared-consume", path);
        consumer.WaitUntilReady();
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }))
        {
            queue.Push(QueueItems.Make(SharedQueueCommands.StopId, 8));
            queue.Count.ShouldBeGreaterThanOrEqualTo(0);
        }

        consumer.ShouldFinish();
        var ledger = new SharedLedger();
        ledger.Add(victim, pushes: true, plainPops: true, handlerPops: false);
        if (secondVictim is not null)
        {
            ledger.Add(secondVictim, pushes: true, plainPops: false, handlerPops: false);
        }

        ledger.Add(consumer, pushes: false, plainPops: true, handlerPops: false);
        var left = new List<long>();
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }))
        {
            while (queue.Pop() is { } item)
            {
                left.Add(QueueItems.Check(item));
            }
        }

        ledger.AddDrained(left);
        holder.Send("close");
        holder.ShouldFinish();
        TestContext.Out.WriteLine($"{context}: {ledger.Check()}");
        MappedQueue.Verify(path).IsIntact.ShouldBeTrue(context);
    }

    private Dictionary<string, int> ScriptHits()
    {
        if (s_hits is not null)
        {
            return s_hits;
        }

        string path = _dir.File("trace.queue");
        QueueChildResult child = QueueChild.Run("queue-script", path, "0", "--shared", "--trace");
        child.Finished.ShouldBeTrue(child.Errors);
        s_hits = child.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("H ", StringComparison.Ordinal))
            .GroupBy(line => line[2..].Trim())
            .ToDictionary(g => g.Key, g => g.Count());
        return s_hits;
    }
}
