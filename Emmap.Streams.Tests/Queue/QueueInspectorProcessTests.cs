using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A read-only inspector in this process while the queue's owner, another process, grows the file, purges it back down and
/// erases it (issue 10): the inspector never faults, and every item it returns is one the owner pushed, intact and in order.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class QueueInspectorProcessTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    [LinuxOnly("stops the owner with SIGKILL once the inspections are done")]
    public void ReadOnlyInspector_RacingTheOwnersPurgesAndShrinks_NeverFaultsOrReturnsInventedItems()
    {
        string path = _dir.File("owned.queue");
        var sizes = new HashSet<long>();
        int inspections = 0;
        int itemsSeen = 0;
        int refused = 0;
        var refusals = new HashSet<string>();
        Exception? failure = null;

        // The owner pushes (now and then items of several MiB, so the file grows a lot), pops, pops and purges (the file
        // shrinks back when drained), purges and erases, as fast as it can, until it is killed.
        QueueChildResult owner = QueueChild.Run(
            ["queue-churn", path, "0", "20261202", "100000000", "--large"],
            killAfterReady: TimeSpan.Zero,
            whenReady: () =>
            {
                try
                {
                    var clock = Stopwatch.StartNew();
                    while (clock.Elapsed < TimeSpan.FromSeconds(3) || sizes.Count < 2)
                    {
                        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the owner never changed the file's size");
                        if (Inspect(path, ref itemsSeen, sizes, refusals))
                        {
                            inspections++;
                        }
                        else
                        {
                            refused++;
                        }
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            });

        failure.ShouldBeNull();
        owner.Killed.ShouldBeTrue($"the owner should still have been running: exit {owner.ExitCode}: {owner.Errors}");
        TestContext.Out.WriteLine(
            $"{inspections} inspections ({itemsSeen} items checked), {refused} refused with an exception, over {sizes.Count} file sizes: " +
            string.Join("; ", refusals));
        inspections.ShouldBeGreaterThan(0);
        sizes.Count.ShouldBeGreaterThan(1, "the file should have grown and shrunk under the inspector");

        // What the killed owner left is a valid queue.
        using var reopened = MappedQueue.Open(path, 4096);
        long last = -1;
        foreach (byte[] item in reopened.Enumerate())
        {
            long id = QueueItems.Check(item);
            id.ShouldBeGreaterThan(last);
            last = id;
        }
    }

    [Test]
    public void ReadOnlyView_OwnerPopsAndReusesTheSpace_SaysTheQueueChangedNotThatItIsDamaged()
    {
        string path = _dir.File("moving.queue");
        using var owner = MappedQueue.Open(path, 4096, new QueueOptions { FixedSize = true });
        for (int i = 0; i < 10; i++)
        {
            owner.Push(QueueItems.Make(i, 100));
        }

        using var view = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
        view.Count.ShouldBe(10);

        // The owner drains the queue and fills it again: the new records lap the ring over the ones the view saw.
        while (owner.Pop() is not null)
        {
        }

        for (int i = 10; i < 30; i++)
        {
            owner.Push(QueueItems.Make(i, 100));
        }

        InvalidDataException changed = Should.Throw<InvalidDataException>(() =>
        {
            foreach (byte[] item in view.Enumerate())
            {
                _ = QueueItems.Check(item);
            }
        });
        changed.Message.ShouldContain("changed under this read-only view");
        changed.Message.ShouldContain("not damaged");

        using var again = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
        again.Count.ShouldBe(20);
        QueueItems.Check(again.PeekFront()).ShouldBe(10);
    }

    // One inspection: open read-only, walk every item and both ends. Returns false if the library refused with an exception
    // (the owner moved the queue under the snapshot); an item that is not one the owner pushed fails the test.
    private static bool Inspect(string path, ref int itemsSeen, HashSet<long> sizes, HashSet<string> refusals)
    {
        var items = new List<byte[]>();
        byte[]? front;
        byte[]? back;
        try
        {
            using MappedQueue inspector = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
            sizes.Add(inspector.GetMetadata().FileSize);
            _ = inspector.Count;
            items.AddRange(inspector.Enumerate());
            front = inspector.PeekFront();
            back = inspector.PeekBack();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            refusals.Add($"{ex.GetType().Name}: {ex.Message}");
            return false;
        }

        long previous = -1;
        foreach (byte[] item in items)
        {
            long id = QueueItems.Check(item);
            id.ShouldBeGreaterThan(previous, "items come out in the order they were pushed");
            previous = id;
            itemsSeen++;
        }

        if (front is not null)
        {
            _ = QueueItems.Check(front);
        }

        if (back is not null)
        {
            _ = QueueItems.Check(back);
        }

        return true;
    }
}
