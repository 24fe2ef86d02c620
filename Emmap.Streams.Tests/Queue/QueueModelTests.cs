using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// F10 of the crash matrix: random sequences of push, pop (every form), peek, purge, erase, growth and reopen, checked step by
/// step against <see cref="Queue{T}"/>. A failure prints the CsCheck seed; set EMMAP_QUEUE_SEED to replay it.
/// </summary>
[TestFixture]
public sealed class QueueModelTests
{
    private enum Kind
    {
        Push,
        Pop,
        TryPopWriter,
        PopInto,
        TryPopHandler,
        TryPopHandlerThrows,
        PeekFront,
        PeekBack,
        Purge,
        PopAndPurge,
        Erase,
        Reopen,
        Enumerate,
        PopWhile,
    }

    private static readonly Gen<(Kind Kind, int Size)> s_op = Gen.Select(
        Gen.Frequency(
            (40, Gen.Const(Kind.Push)),
            (10, Gen.Const(Kind.Pop)),
            (6, Gen.Const(Kind.TryPopWriter)),
            (4, Gen.Const(Kind.PopInto)),
            (6, Gen.Const(Kind.TryPopHandler)),
            (2, Gen.Const(Kind.TryPopHandlerThrows)),
            (3, Gen.Const(Kind.PeekFront)),
            (3, Gen.Const(Kind.PeekBack)),
            (2, Gen.Const(Kind.Purge)),
            (6, Gen.Const(Kind.PopAndPurge)),
            (1, Gen.Const(Kind.Erase)),
            (2, Gen.Const(Kind.Reopen)),
            (2, Gen.Const(Kind.Enumerate)),
            (1, Gen.Const(Kind.PopWhile))),
        Gen.Frequency((60, Gen.Int[0, 120]), (30, Gen.Int[121, 900]), (8, Gen.Int[901, 2900]), (2, Gen.Int[2901, 9000])));

    private static readonly Gen<(bool Fixed, bool SmallIncrement, (Kind Kind, int Size)[] Ops)> s_run =
        Gen.Select(Gen.Bool, Gen.Bool, s_op.Array[1, 300]);

    [Test]
    public void Operations_RandomSequences_MatchInMemoryQueue()
    {
        Check.Sample(
            s_run,
            run => RunAgainstModel(run.Fixed, run.SmallIncrement, run.Ops, shared: false),
            seed: Environment.GetEnvironmentVariable("EMMAP_QUEUE_SEED"),
            iter: 400,
            threads: 2,
            print: run => $"fixed={run.Fixed}, smallIncrement={run.SmallIncrement}, ops=[{string.Join(", ", run.Ops.Select(o => $"{o.Kind}({o.Size})"))}]");
    }

    [Test]
    public void Operations_RandomSequencesInSharedMode_MatchInMemoryQueue()
    {
        // Every operation through the shared-mode paths (locks, journaled commits, generation), one process at a time.
        Check.Sample(
            s_run,
            run => RunAgainstModel(run.Fixed, run.SmallIncrement, run.Ops, shared: true),
            seed: Environment.GetEnvironmentVariable("EMMAP_QUEUE_SEED"),
            iter: 150,
            threads: 2,
            print: run => $"fixed={run.Fixed}, smallIncrement={run.SmallIncrement}, ops=[{string.Join(", ", run.Ops.Select(o => $"{o.Kind}({o.Size})"))}]");
    }

    private static void RunAgainstModel(bool fixedSize, bool smallIncrement, (Kind Kind, int Size)[] ops, bool shared)
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.queue");
        var options = new QueueOptions { FixedSize = fixedSize, MaxIncrementSize = smallIncrement ? 8192 : 1 << 26, MultiProcess = shared };
        var model = new Queue<long>();
        long nextId = 0;
        var writer = new ArrayBufferWriter<byte>();
        MappedQueue queue = MappedQueue.Open(path, 4096, options);
        try
        {
            for (int step = 0; step < ops.Length; step++)
            {
                (Kind kind, int size) = ops[step];
                string where = $"step {step} ({kind} {size})";
                switch (kind)
                {
                    case Kind.Push:
                        byte[] item = QueueItems.Make(nextId, size);
                        long record = (item.Length + 16 + 15) / 16 * 16;
                        if (fixedSize && record > queue.GetMetadata().RingSize)
                        {
                            Should.Throw<ArgumentException>(() => queue.TryPush(item), where);
                            break;
                        }

                        long free = queue.GetMetadata().FreeBytes;
                        if (queue.TryPush(item))
                        {
                            model.Enqueue(nextId++);
                        }
                        else
                        {
                            fixedSize.ShouldBeTrue($"{where}: a growing queue refused an item");
                            free.ShouldBeLessThan(2 * record, $"{where}: refused although two records' worth was free");
                            Should.Throw<QueueFullException>(() => queue.Push(item), where);
                        }

                        break;
                    case Kind.Pop:
                        ExpectItem(model, queue.Pop(), where);
                        break;
                    case Kind.TryPopWriter:
                        writer.ResetWrittenCount();
                        if (queue.TryPop(writer))
                        {
                            ExpectItem(model, writer.WrittenSpan.ToArray(), where);
                        }
                        else
                        {
                            model.ShouldBeEmpty(where);
                        }

                        break;
                    case Kind.PopInto:
                        byte[] buffer = new byte[size];
                        OperationStatus status = queue.PopInto(buffer, out int written);
                        if (model.Count == 0)
                        {
                            status.ShouldBe(OperationStatus.NeedMoreData, where);
                        }
                        else if (status == OperationStatus.DestinationTooSmall)
                        {
                            written.ShouldBeGreaterThan(size, where);
                            QueueItems.Check(queue.PeekFront()).ShouldBe(model.Peek(), where);
                        }
                        else
                        {
                            status.ShouldBe(OperationStatus.Done, where);
                            QueueItems.Check(buffer.AsSpan(0, written)).ShouldBe(model.Dequeue(), where);
                        }

                        break;
                    case Kind.TryPopHandler:
                        if (queue.TryPop(static item => QueueItems.Check(item), out long id))
                        {
                            id.ShouldBe(model.Dequeue(), where);
                        }
                        else
                        {
                            model.ShouldBeEmpty(where);
                        }

                        break;
                    case Kind.TryPopHandlerThrows:
                        if (model.Count > 0)
                        {
                            Should.Throw<FormatException>(() => queue.TryPop<int>(_ => throw new FormatException(), out _), where);
                        }

                        break;
                    case Kind.PeekFront:
                        ExpectPeek(model.Count == 0 ? null : model.Peek(), queue.PeekFront(), where);
                        break;
                    case Kind.PeekBack:
                        ExpectPeek(model.Count == 0 ? null : model.Last(), queue.PeekBack(), where);
                        break;
                    case Kind.Purge:
                        queue.Purge().ShouldBe(model.Count == 0, where);
                        break;
                    case Kind.PopAndPurge:
                        ExpectItem(model, queue.PopAndPurge(), where);
                        if (model.Count == 0)
                        {
                            queue.GetMetadata().FileSize.ShouldBe(4096, where);
                        }

                        break;
                    case Kind.Erase:
                        queue.Erase();
                        model.Clear();
                        queue.GetMetadata().FileSize.ShouldBe(4096, where);
                        break;
                    case Kind.Reopen:
                        queue.Dispose();
                        queue = MappedQueue.Open(path, 4096, options);
                        break;
                    case Kind.Enumerate:
                        queue.Enumerate().Select(bytes => QueueItems.Check(bytes)).ShouldBe(model, where);
                        queue.EnumerateReverse().Select(bytes => QueueItems.Check(bytes)).ShouldBe(model.Reverse(), where);
                        break;
                    default:
                        int take = size % 5;
                        int taken = queue.PopWhile(0, (ReadOnlySpan<byte> bytes, ref int n) =>
                        {
                            if (n == take)
                            {
                                return false;
                            }

                            QueueItems.Check(bytes).ShouldBe(model.Dequeue(), where);
                            n++;
                            return true;
                        });
                        taken.ShouldBeLessThanOrEqualTo(take);
                        break;
                }

                queue.Count.ShouldBe(model.Count, where);
                queue.IsEmpty.ShouldBe(model.Count == 0, where);
                QueueMetadata meta = queue.GetMetadata();
                meta.UsedBytes.ShouldBeLessThanOrEqualTo(meta.RingSize, where);
                SizeOnDisk.ShouldBeWhileMapped(path, meta.FileSize, where);
                if (fixedSize)
                {
                    meta.FileSize.ShouldBe(4096, where);
                }
            }

            long sizeAtClose = queue.GetMetadata().FileSize;
            queue.Dispose();
            SizeOnDisk.ShouldBeAfterTheLastClose(path, sizeAtClose);
            using var reopened = MappedQueue.Open(path, 4096, options);
            reopened.Enumerate().Select(bytes => QueueItems.Check(bytes)).ShouldBe(model, "after the last reopen");
        }
        finally
        {
            queue.Dispose();
        }
    }

    private static void ExpectItem(Queue<long> model, byte[]? item, string where)
    {
        if (model.Count == 0)
        {
            item.ShouldBeNull(where);
            return;
        }

        item.ShouldNotBeNull(where);
        QueueItems.Check(item).ShouldBe(model.Dequeue(), where);
    }

    private static void ExpectPeek(long? expected, byte[]? item, string where)
    {
        if (expected is null)
        {
            item.ShouldBeNull(where);
        }
        else
        {
            QueueItems.Check(item).ShouldBe(expected.Value, where);
        }
    }
}
