using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Issue 12: a queue shared by real OS processes (<see cref="QueueOptions.MultiProcess"/>). Producers and consumers run as
/// test-host children and acknowledge every push and pop; <see cref="SharedLedger"/> checks that each acknowledged push is popped
/// exactly once, in each producer's order, also when children are killed with SIGKILL at random moments and at named points
/// inside the shared protocol (holding a lock, between the journal and the commit, during growth).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SharedQueueProcessTests
{
    private static readonly QueueOptions s_shared = new() { MultiProcess = true };
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void ProducersAndConsumers_SeveralProcesses_EveryItemOnceInProducerOrder()
    {
        string path = _dir.File("shared.queue");
        var consumers = new List<SharedChild>
        {
            SharedChild.Start("consumer 1", "queue-shared-consume", path),
            SharedChild.Start("consumer 2", "queue-shared-consume", path),
            SharedChild.Start("handler consumer", "queue-shared-consume", path, "--handler"),
        };
        consumers.ForEach(c => c.WaitUntilReady());

        // The consumers are waiting (for another process's push) before the first producer starts.
        var producers = Enumerable.Range(1, 3)
            .Select(p => SharedChild.Start($"producer {p}", "queue-shared-produce", path, p.ToString(CultureInfo.InvariantCulture), "2500"))
            .ToList();
        producers.ForEach(p => p.ShouldFinish());
        using (MappedQueue queue = MappedQueue.Open(path, 65536, s_shared))
        {
            foreach (SharedChild _ in consumers)
            {
                queue.Push(QueueItems.Make(SharedQueueCommands.StopId, 8));
            }
        }

        consumers.ForEach(c => c.ShouldFinish());
        var ledger = new SharedLedger();
        producers.ForEach(p => ledger.Add(p, pushes: true, plainPops: false, handlerPops: false));
        consumers.ForEach(c => ledger.Add(c, pushes: false, plainPops: true, handlerPops: false));
        ledger.AddDrained(Drain(path));

        TestContext.Out.WriteLine(ledger.Check());
        ledger.Pushed.ShouldBe(7500);
        ledger.Popped.ShouldBe(7500);
        consumers.ShouldAllBe(c => c.Lines().Count > 2, "every consumer should have taken some items");
        producers.Concat(consumers).ToList().ForEach(c => c.Dispose());
    }

    [Test]
    public void RandomKills_ProducersConsumersAndGrowers_LoseNothingAcknowledged()
    {
        double seconds = Environment.GetEnvironmentVariable("EMMAP_SHARED_KILL_SECONDS") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : 30;
        var random = new Random(12);
        string path = _dir.File("kills.queue");
        var ledger = new SharedLedger();
        int nextProducer = 1;
        // Each process pushes ids from its own block of ProducerStride: producers take blocks 1, 2, 3..., growers blocks from
        // 1,000,000 on, so the two never meet however long the test runs (CI runs it for thousands of kills).
        long nextChurn = 1_000_000;
        var roles = new[] { "producer", "producer", "consumer", "handler consumer", "grower" };
        var running = new SharedChild?[roles.Length];
        SharedChild Spawn(string role) => role switch
        {
            "producer" => SharedChild.Start(role, "queue-shared-produce", path, (nextProducer++).ToString(CultureInfo.InvariantCulture), "9000000", "--initial", "8192", "--backlog", "3000"),
            "consumer" => SharedChild.Start(role, "queue-shared-consume", path, "--initial", "8192"),
            "handler consumer" => SharedChild.Start(role, "queue-shared-consume", path, "--handler", "--initial", "8192"),
            _ => SharedChild.Start(role, "queue-shared-churn", path, ((nextChurn++) * SharedQueueCommands.ProducerStride).ToString(CultureInfo.InvariantCulture),
                random.Next().ToString(CultureInfo.InvariantCulture), "1000000", "--initial", "8192"),
        };
        void Retire(SharedChild child)
        {
            child.Kill();
            ledger.Add(child, pushes: child.Role is "producer" or "grower", plainPops: child.Role is "consumer" or "grower", handlerPops: child.Role == "handler consumer");
            child.Dispose();
        }

        var clock = Stopwatch.StartNew();
        int rounds = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < roles.Length; i++)
            {
                running[i] ??= Spawn(roles[i]);
            }

            System.Threading.Thread.Sleep(random.Next(5, 120));
            int victim = random.Next(roles.Length);
            Retire(running[victim]!);
            running[victim] = null;
            rounds++;
        }

        foreach (SharedChild? child in running)
        {
            if (child is not null)
            {
                Retire(child);
            }
        }

        // Killed processes leave no damage: the file verifies intact before anything recovers it.
        QueueVerification before = MappedQueue.Verify(path);
        before.Problems.ShouldBeEmpty();
        TestContext.Out.WriteLine($"After the last kill: {before.ItemsChecked} items, header sequence {before.Metadata?.HeaderSequence} (growths and shrinks).");
        ledger.AddDrained(Drain(path));
        string summary = ledger.Check();
        TestContext.Out.WriteLine($"{rounds} rounds of SIGKILL in {clock.Elapsed.TotalSeconds:F0} s: {summary}");
        ledger.Pushed.ShouldBeGreaterThan(0);
        MappedQueue.Verify(path).IsIntact.ShouldBeTrue();
    }

    /// <summary>Opens the queue in shared mode (as the only process: a new session, after recovery) and pops everything.</summary>
    private static List<long> Drain(string path)
    {
        var ids = new List<long>();
        using MappedQueue queue = MappedQueue.Open(path, 65536, s_shared);
        while (queue.Pop() is { } item)
        {
            long id = QueueItems.Check(item);
            if (id != SharedQueueCommands.StopId)
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
