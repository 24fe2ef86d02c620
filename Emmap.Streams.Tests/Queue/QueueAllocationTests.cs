using System;
using System.Buffers;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

[TestFixture]
public sealed class QueueAllocationTests
{
    [Test]
    public void PushAndTryPop_SpanAndBufferWriter_AllocateNothing()
    {
        using var dir = new TempDirectory();
        using var queue = MappedQueue.Open(dir.File("a.queue"), 1 << 16);
        byte[] item = new byte[64];
        var writer = new ArrayBufferWriter<byte>(256);

        // A long loop that wraps the ring many times (the meter runs it once to warm up: tiering, the writer's first growth).
        long allocated = AllocationMeter.LeastOf(3, () =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                item[0] = (byte)i;
                queue.Push(item);
                queue.Push(item);
                writer.ResetWrittenCount();
                queue.TryPop(writer).ShouldBeTrue();
                queue.TryPop(writer).ShouldBeTrue();
            }
        });

        allocated.ShouldBe(0);
        writer.WrittenCount.ShouldBe(128);
        writer.WrittenSpan[0].ShouldBe((byte)(99_999 % 256));
    }

    [Test]
    public void PushAndTryPop_SharedByProcesses_AllocateNothing()
    {
        using var dir = new TempDirectory();
        using var queue = MappedQueue.Open(dir.File("shared.queue"), 1 << 16, new QueueOptions { MultiProcess = true });
        byte[] item = new byte[64];
        var writer = new ArrayBufferWriter<byte>(256);
        long allocated = AllocationMeter.LeastOf(3, () =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                item[0] = (byte)i;
                queue.Push(item);
                writer.ResetWrittenCount();
                queue.TryPop(writer).ShouldBeTrue();
            }
        });

        allocated.ShouldBe(0, "the shared-mode push and pop (locks, journal, wake-ups) allocate nothing");
        writer.WrittenSpan[0].ShouldBe((byte)(49_999 % 256));
    }

    [Test]
    public void TryPop_StaticHandlerWithState_AllocatesNothing()
    {
        using var dir = new TempDirectory();
        using var queue = MappedQueue.Open(dir.File("h.queue"), 1 << 16);
        byte[] item = new byte[64];
        Func<ReadOnlySpan<byte>, int, int> handler = static (span, offset) => span.Length + offset;
        long total = 0;
        long allocated = AllocationMeter.LeastOf(3, () =>
        {
            total = 0;
            for (int i = 0; i < 50_000; i++)
            {
                queue.Push(item);
                queue.TryPop(1, handler, out int length);
                total += length;
            }
        });

        allocated.ShouldBe(0);
        total.ShouldBe(50_000 * 65);
    }
}
