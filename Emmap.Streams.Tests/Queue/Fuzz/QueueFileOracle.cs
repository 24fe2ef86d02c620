using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Emmap.Streams.Native;
using Emmap.Streams.TestHost;
using Shouldly;

namespace Emmap.Streams.Tests.Queue.Fuzz;

/// <summary>What opening a (possibly damaged) queue file gave.</summary>
/// <param name="Opened">Whether it opened; if not, it threw <see cref="InvalidDataException"/>.</param>
/// <param name="Items">The ids of the items it recovered, oldest first.</param>
/// <param name="Intact">What <see cref="MappedQueue.Verify"/> said.</param>
public sealed record QueueFileOutcome(bool Opened, IReadOnlyList<long> Items, bool Intact)
{
    /// <summary>A one-line summary: <c>invalid</c>, or <c>items A-B,C</c> with <c>intact</c> or <c>damaged</c>.</summary>
    public override string ToString() => Opened ? $"items {Ranges(Items)}, {(Intact ? "intact" : "damaged")}" : "invalid";

    /// <summary>Ids as ranges: <c>3-7,9</c>, or <c>none</c>.</summary>
    public static string Ranges(IReadOnlyList<long> ids)
    {
        if (ids.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>();
        int start = 0;
        for (int i = 1; i <= ids.Count; i++)
        {
            if (i == ids.Count || ids[i] != ids[i - 1] + 1)
            {
                parts.Add(i - 1 == start ? $"{ids[start]}" : $"{ids[start]}-{ids[i - 1]}");
                start = i;
            }
        }

        return string.Join(",", parts);
    }
}

/// <summary>
/// What must hold for any queue file, however damaged or forged (the fuzz test's and the corpus replay's oracle):
/// <list type="bullet">
/// <item><see cref="MappedQueue.Verify"/> never throws for a file that exists; a read-only and a read-write open either both throw
/// <see cref="InvalidDataException"/> (exactly when Verify says it is not a queue) or both open to the same items, as many as
/// Verify counted. No other exception, no hang, no allocation sized by a garbage length.</item>
/// <item>Every item recovered is one that was pushed, unaltered, in push order, once; none older than the oldest checkpoint in
/// the file's valid header slots.</item>
/// <item>The recovered queue then works: pushes after the open are all popped, after the recovered items, in order; a reopen
/// after that finds the queue empty and intact. So no forged word can make a cursor overflow, bring stale items back or lose
/// an acknowledged push.</item>
/// <item>When Verify calls the file intact, the writable open repairs nothing: its header slots stay as they were.</item>
/// </list>
/// </summary>
public static class QueueFileOracle
{
    private const long AllocationBound = 1 << 20;
    private static readonly TimeSpan s_hangBound = TimeSpan.FromSeconds(30);

    /// <summary>Checks the file at <paramref name="path"/>; <paramref name="pushed"/> is every id ever pushed into it, if known.</summary>
    /// <remarks>With <paramref name="shared"/>, the writable opens are shared-mode ones (a session starts on the recovered file).</remarks>
    public static QueueFileOutcome Check(string path, IReadOnlySet<long>? pushed, string context, bool shared = false)
    {
        Task<QueueFileOutcome> run = Task.Run(() => CheckCore(path, pushed, context, shared));
        if (!run.Wait(s_hangBound))
        {
            throw new TimeoutException($"{context}: the queue did not open, verify and drain within {s_hangBound.TotalSeconds} s (a hang).");
        }

        return run.Result;
    }

    private static QueueFileOutcome CheckCore(string path, IReadOnlySet<long>? pushed, string context, bool shared)
    {
        var writable = new QueueOptions { MultiProcess = shared };
        byte[] original = File.ReadAllBytes(path);
        long oldestCheckpoint = OldestCheckpointHead(original);

        long before = GC.GetAllocatedBytesForCurrentThread();
        QueueVerification verification = MappedQueue.Verify(path);
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(AllocationBound, $"{context}: Verify allocated too much");

        Exception? readOnlyError = Catch(() => ReadIds(path, readOnly: true, oldestCheckpoint), out List<long>? readOnlyIds);
        if (!verification.IsQueue)
        {
            readOnlyError.ShouldBeOfType<InvalidDataException>($"{context}: Verify says it is not a queue ({string.Join(" ", verification.Problems)})");
            WritableOpenError(path, writable).ShouldBeOfType<InvalidDataException>($"{context}: Verify says it is not a queue");
            File.ReadAllBytes(path).ShouldBe(original, $"{context}: a failed open changed the file");
            return new QueueFileOutcome(false, [], false);
        }

        readOnlyError.ShouldBeNull($"{context}: Verify says it is a queue, but the read-only open threw");
        List<long> ids = readOnlyIds!;
        verification.ItemsChecked.ShouldBe(ids.Count, $"{context}: Verify and Open count different items");
        CheckIds(ids, pushed, context);

        if (OwnerIsAlive(original))
        {
            // The owner word names a running process: the file says it is in use, and a writable open must say so.
            Should.Throw<IOException>(() => MappedQueue.Open(path, 4096, writable).Dispose(), $"{context}: the owner word names a live process");
            return new QueueFileOutcome(true, ids, verification.IsIntact);
        }

        DrainAfterPushes(path, ids, original, verification.IsIntact, context, writable);
        return new QueueFileOutcome(true, ids, verification.IsIntact);
    }

    // Opens for writing, checks it recovered the same items, pushes 5 more, pops everything back, reopens.
    private static void DrainAfterPushes(string path, List<long> ids, byte[] original, bool intact, string context, QueueOptions writable)
    {
        const long FirstNew = 1_000_000_000;
        var expected = new List<long>(ids);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (MappedQueue queue = MappedQueue.Open(path, 4096, writable))
        {
            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(AllocationBound, $"{context}: Open allocated too much");
            queue.Count.ShouldBe(ids.Count, $"{context}: the read-only and read-write opens disagree");
            if (intact && !writable.MultiProcess)
            {
                byte[] now = QueueImage.ReadShared(path);
                now.AsSpan(0, QueueLayout.SlotSize).SequenceEqual(original.AsSpan(0, QueueLayout.SlotSize)).ShouldBeTrue($"{context}: intact, yet slot A was rewritten");
                now.AsSpan(QueueLayout.SlotBOffset, QueueLayout.SlotSize).SequenceEqual(original.AsSpan(QueueLayout.SlotBOffset, QueueLayout.SlotSize))
                    .ShouldBeTrue($"{context}: intact, yet slot B was rewritten");
            }

            for (long id = FirstNew; id < FirstNew + 5; id++)
            {
                try
                {
                    queue.Push(QueueItems.Make(id, 64));
                }
                catch (IOException)
                {
                    // The forged cursors sit at the end of the position space: the queue refuses pushes rather than overflow.
                    queue.GetMetadata().Tail.ShouldBeGreaterThan(QueueLayout.MaxPosition, $"{context}: a push failed");
                    break;
                }

                expected.Add(id);
            }

            var popped = new List<long>();
            while (queue.Pop() is { } item)
            {
                popped.Add(QueueItems.Check(item));
            }

            popped.ShouldBe(expected, $"{context}: the items pushed after opening did not come back after the recovered ones");
        }

        using (MappedQueue reopened = MappedQueue.Open(path, 4096, writable))
        {
            reopened.Count.ShouldBe(0, $"{context}: the drained queue reopened with items");
        }

        MappedQueue.Verify(path).IsIntact.ShouldBeTrue($"{context}: the drained queue does not verify");
    }

    private static List<long> ReadIds(string path, bool readOnly, long oldestCheckpoint)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = readOnly });
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(AllocationBound, "Open allocated too much");
        queue.GetMetadata().Head.ShouldBeGreaterThanOrEqualTo(oldestCheckpoint, "the head went back past every checkpoint (stale items)");
        return [.. queue.Enumerate().Select(item => QueueItems.Check(item))];
    }

    private static void CheckIds(List<long> ids, IReadOnlySet<long>? pushed, string context)
    {
        for (int i = 1; i < ids.Count; i++)
        {
            ids[i].ShouldBeGreaterThan(ids[i - 1], $"{context}: items out of push order or repeated: {QueueFileOutcome.Ranges(ids)}");
        }

        if (pushed is not null)
        {
            ids.Where(id => !pushed.Contains(id)).ShouldBeEmpty($"{context}: items that were never pushed");
        }
    }

    private static Exception? WritableOpenError(string path, QueueOptions writable)
    {
        try
        {
            MappedQueue.Open(path, 4096, writable).Dispose();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    // The smallest checkpoint head among the valid slots: nothing before it may ever come back.
    private static long OldestCheckpointHead(byte[] bytes)
    {
        long oldest = long.MaxValue;
        foreach (int offset in new[] { QueueLayout.SlotAOffset, QueueLayout.SlotBOffset })
        {
            if (bytes.Length >= offset + QueueLayout.SlotSize
                && QueueSlotCodec.TryDecode(bytes.AsSpan(offset, QueueLayout.SlotSize), out QueueSlot slot) == QueueSlotCodec.Problem.None)
            {
                oldest = Math.Min(oldest, slot.Head);
            }
        }

        return oldest == long.MaxValue ? long.MinValue : oldest;
    }

    private static bool OwnerIsAlive(byte[] bytes)
    {
        if (bytes.Length < QueueLayout.OwnerWordOffset + 8)
        {
            return false;
        }

        long owner = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(QueueLayout.OwnerWordOffset));
        return owner != 0 && owner != ProcessStamp.Current && ProcessStamp.IsAlive(owner);
    }

    private static Exception? Catch(Func<List<long>> action, out List<long>? result)
    {
        try
        {
            result = action();
            return null;
        }
        catch (Exception ex)
        {
            result = null;
            return ex;
        }
    }
}
