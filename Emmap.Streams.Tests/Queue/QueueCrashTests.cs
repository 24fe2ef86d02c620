using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// F2 of the crash matrix: real child processes stopped with SIGKILL inside queue operations, at every named crash point and
/// at random moments of a push/pop churn. After each kill the queue must reopen (never <see cref="InvalidDataException"/>)
/// with every acknowledged push present unless popped, in order, with no duplicates and no altered bytes.
/// Set EMMAP_CRASH_KILLS to run more random kills by hand.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class QueueCrashTests
{
    private static readonly string[] s_scriptPoints =
    [
        "push.payload", "push.header", "push.committed", "wrap.marker", "wrap.reposition", "pop.read", "pop.committed",
        "grow.extended", "grow.copying", "grow.copied", "grow.flipped", "flip.torn", "flip.written",
        "shrink.flipped", "shrink.truncated", "erase.committed",
    ];

    private static Dictionary<string, int>? s_hits;
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    public static IEnumerable<string> ScriptPoints() => s_scriptPoints;

    [Test]
    public void Script_WithoutCrash_PassesEveryCrashPoint()
    {
        Dictionary<string, int> hits = ScriptHits();

        foreach (string point in s_scriptPoints)
        {
            hits.GetValueOrDefault(point).ShouldBeGreaterThan(0, $"the script never reaches {point}");
        }
    }

    [TestCaseSource(nameof(ScriptPoints))]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Script_KilledAtCrashPoint_ReopensWithAcknowledgedItems(string point)
    {
        int total = ScriptHits()[point];
        foreach (int k in new[] { 1, (total + 1) / 2, total }.Distinct())
        {
            foreach (string durability in new[] { "None", "Always" })
            {
                string path = _dir.File($"{point}-{k}-{durability}.queue");
                QueueChildResult child = QueueChild.Run("queue-script", path, "0", "--crash", point, k.ToString(CultureInfo.InvariantCulture), "--durability", durability);

                child.Killed.ShouldBeTrue($"the child was to be killed at {point} #{k}; exit {child.ExitCode}: {child.Errors}");
                VerifyReopen(path, [], firstId: 0, child);
            }
        }
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Churn_KilledAtRandomMoments_ReopensWithAcknowledgedItems()
    {
        int kills = Environment.GetEnvironmentVariable("EMMAP_CRASH_KILLS") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : 180;
        var random = new Random(20240611);
        string path = _dir.File("churn.queue");
        List<long> state = [];
        long nextId = 0;
        int killed = 0;
        int run = 0;
        int growths = 0;
        while (killed < kills)
        {
            run++;
            if (run % 40 == 0)
            {
                // A fresh file now and then, so early-life states (first growths) are crashed into too.
                File.Delete(path);
                state = [];
            }

            var args = new List<string> { "queue-churn", path, nextId.ToString(CultureInfo.InvariantCulture), random.Next().ToString(CultureInfo.InvariantCulture), "1000000" };
            args.AddRange((run % 4) switch
            {
                0 => ["--durability", "Always"],
                1 => ["--large"],
                2 => ["--fixed", "--size", "8192"],
                _ => ["--durability", "Batched"],
            });
            bool crashPoint = run % 5 == 0;
            if (crashPoint)
            {
                // Some kills come from inside: at a random crash point visit, whatever operation it is in.
                args.AddRange(["--crash", "any", random.Next(1, 400).ToString(CultureInfo.InvariantCulture)]);
            }

            long sizeBefore = File.Exists(path) ? new FileInfo(path).Length : 0;
            QueueChildResult child = crashPoint
                ? QueueChild.Run([.. args], killAfterReady: null)
                : QueueChild.Run([.. args], TimeSpan.FromMilliseconds(random.Next(0, 30)));
            child.Killed.ShouldBeTrue($"run {run}: exit {child.ExitCode}: {child.Errors}");
            killed++;
            (state, nextId) = VerifyReopen(path, state, nextId, child);
            if (File.Exists(path) && new FileInfo(path).Length > sizeBefore)
            {
                growths++;
            }
        }

        TestContext.Out.WriteLine($"{killed} kills in {run} runs; the file grew in {growths} of them.");
        growths.ShouldBeGreaterThan(0);
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Open_KilledWhileRepairing_RecoversSameStateNextTime()
    {
        string path = _dir.File("repair.queue");

        // A process pushes items 0-9 of 100 bytes and is killed right after committing the tenth. Its cursor words are then
        // ahead of the header's checkpoint, so the next open scans every record. (After a clean close the open would take the
        // exact checkpoint instead and find the damage only when it pops it: QueueCheckpointTests.)
        QueueChildResult writer = QueueChild.Run("queue-script", path, "0", "--crash", "push.committed", "10");
        writer.Killed.ShouldBeTrue(writer.Errors);

        // Damage the last record's payload: recovery must cut the tail there, and repairs the header doing so.
        using (var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            long lastPayload = 1024 + (9 * 128) + 16;
            stream.WriteAt(lastPayload + 20, [0xFF, 0x00, 0xFF]);
        }

        QueueChildResult child = QueueChild.Run("queue-open", path, "--crash", "recover.flipped", "1");
        child.Killed.ShouldBeTrue(child.Errors);

        QueueChildResult again = QueueChild.Run("queue-open", path);
        again.Lines.ShouldBe(["9", "done"], again.Errors);
        using var reopened = MappedQueue.Open(path, 4096);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(0, 9).Select(i => (long)i));
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void TryPop_ConsumerKilledInsideTheHandler_ItemStaysAtTheHeadForTheNextConsumer([Values] bool shared)
    {
        // At least once: the head moves only after the handler returns normally, so a consumer killed while it handles an item
        // leaves the item for the next one.
        string path = _dir.File("handler.queue");
        var options = new QueueOptions { MultiProcess = shared };
        using (var queue = MappedQueue.Open(path, 4096, options))
        {
            for (int i = 0; i < 3; i++)
            {
                queue.Push(QueueItems.Make(i, 50));
            }
        }

        QueueChildResult child = QueueChild.Run(shared ? ["queue-handler-kill", path, "--shared"] : ["queue-handler-kill", path]);

        child.Killed.ShouldBeTrue(child.Errors);
        child.Lines.ShouldContain("H 0", child.Errors);
        using var reopened = MappedQueue.Open(path, 4096, options);
        reopened.Count.ShouldBe(3);
        reopened.TryPop(static item => QueueItems.Check(item), out long id).ShouldBeTrue();
        id.ShouldBe(0);
    }

    [TestCase("grow.extended")]
    [TestCase("grow.copied")]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Open_AfterAProcessKilledInsideGrowth_TrimsTheSurplusBytes(string point)
    {
        string path = _dir.File("grown.queue");
        QueueChildResult child = QueueChild.Run("queue-script", path, "0", "--crash", point, "1");
        child.Killed.ShouldBeTrue(child.Errors);
        long killedAt = new FileInfo(path).Length;

        long slotSize;
        using (var queue = MappedQueue.Open(path, 4096))
        {
            slotSize = queue.GetMetadata().FileSize;
        }

        killedAt.ShouldBeGreaterThan(slotSize, "the growth had extended the file before its slot");
        new FileInfo(path).Length.ShouldBe(slotSize);
        VerifyReopen(path, [], firstId: 0, child);
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Open_WhileAnotherProcessOwnsQueue_ThrowsUntilOwnerDies()
    {
        string path = _dir.File("owned.queue");
        MappedQueue.Open(path, 4096).Dispose();
        Exception? whileHeld = null;

        QueueChildResult holder = QueueChild.Run(["queue-hold", path], TimeSpan.Zero, () => whileHeld = Thrown.By(() => MappedQueue.Open(path, 4096).Dispose()));

        holder.Killed.ShouldBeTrue(holder.Errors);
        whileHeld.ShouldBeOfType<IOException>().Message.ShouldContain("open in process");
        using var after = MappedQueue.Open(path, 4096);
        after.IsEmpty.ShouldBeTrue();
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Open_ReadOnlyWhileAnotherProcessOwnsQueue_Succeeds()
    {
        string path = _dir.File("inspected.queue");
        using (var queue = MappedQueue.Open(path, 4096))
        {
            queue.Push(QueueItems.Make(7, 50));
        }

        long? seen = null;
        QueueChildResult holder = QueueChild.Run(["queue-hold", path], TimeSpan.Zero, () =>
        {
            using var reader = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
            seen = QueueItems.Check(reader.PeekFront());
        });

        holder.Killed.ShouldBeTrue(holder.Errors);
        seen.ShouldBe(7);
    }

    /// <summary>Reopens the queue after <paramref name="child"/> was killed and checks it against the child's acknowledgements.</summary>
    private static (List<long> State, long NextId) VerifyReopen(string path, List<long> before, long firstId, QueueChildResult child)
    {
        var model = new QueueAckModel(before, firstId);
        model.Replay(child.Lines);
        List<long> actual;
        using (var queue = MappedQueue.Open(path, 4096))
        {
            actual = queue.Enumerate().Select(item => QueueItems.Check(item)).ToList();
            queue.Count.ShouldBe(actual.Count);
            if (actual.Count > 0)
            {
                QueueItems.Check(queue.PeekBack()).ShouldBe(actual[^1]);
            }
        }

        bool acceptable = model.AcceptableStates().Any(state => state.SequenceEqual(actual));
        acceptable.ShouldBeTrue(
            $"after the kill the queue holds [{Describe(actual)}] but the acknowledgements allow [{Describe(model.Items)}] " +
            $"(plus one in-flight push or pop); {model.Pushes} pushes and {model.Pops} pops were acknowledged. {child.Errors}");
        return (actual, model.NextFirstId);
    }

    private static string Describe(IReadOnlyList<long> ids) =>
        ids.Count <= 12 ? string.Join(", ", ids) : $"{string.Join(", ", ids.Take(5))} ... {string.Join(", ", ids.TakeLast(5))} ({ids.Count} items)";

    private static Dictionary<string, int> ScriptHits()
    {
        if (s_hits is not null)
        {
            return s_hits;
        }

        using var dir = new TempDirectory();
        QueueChildResult dry = QueueChild.Run("queue-script", dir.File("dry.queue"), "0", "--trace");
        dry.Finished.ShouldBeTrue(dry.Errors);
        s_hits = dry.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("H ", StringComparison.Ordinal))
            .GroupBy(line => line[2..].Trim())
            .ToDictionary(g => g.Key, g => g.Count());
        return s_hits;
    }
}
