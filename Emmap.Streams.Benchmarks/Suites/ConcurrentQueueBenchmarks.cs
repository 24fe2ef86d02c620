using System;
using System.Buffers;
using System.Threading;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Two producer threads and two consumer threads on one queue in one process (issue 14): one operation is one 64-byte item
/// pushed by a producer and taken by a consumer; a batch ends when the consumers have taken every item of it. Producers push
/// from a span (the channels get a new array per item: the copy in); consumers copy the item out into an
/// <see cref="IBufferWriter{T}"/>. Everyone polls with the same back-off (spin, then yield), so the cases differ only in the
/// queue. Baseline: an unbounded <see cref="Channel{T}"/> of <c>byte[]</c>; also a bounded one (1,024 items, producers wait for
/// space) and a <see cref="ConcurrentMappedQueue"/>, which is persistent.
/// </summary>
public class ConcurrentQueueBenchmarks : IWorkerAllocations
{
    private const int Batch = 16384;

    private Team _unbounded = null!;
    private Team _bounded = null!;
    private Team _mapped = null!;

    /// <inheritdoc/>
    public long WorkerAllocatedBytes => _unbounded.AllocatedBytes + _bounded.AllocatedBytes + _mapped.AllocatedBytes;

    [GlobalSetup]
    public void Setup()
    {
        _unbounded = new Team(new ChannelQueue(Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false })));
        _bounded = new Team(new ChannelQueue(Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait })));
        _mapped = new Team(new MappedConcurrentQueue(ConcurrentMappedQueue.Open(DataFiles.Scratch("concurrent.queue"), 1 << 20)));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _unbounded.Dispose();
        _bounded.Dispose();
        _mapped.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("2p2c")]
    public long UnboundedChannel() => _unbounded.Run(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("2p2c")]
    public long BoundedChannel() => _bounded.Run(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("2p2c")]
    public long ConcurrentMappedQueue2P2C() => _mapped.Run(Batch);

    /// <summary>A thread-safe queue of 64-byte items, as the team uses it.</summary>
    private abstract class ItemQueue : IDisposable
    {
        /// <summary>Pushes a copy of <paramref name="item"/>; false if the queue is full.</summary>
        public abstract bool TryPush(byte[] item);

        /// <summary>Pops an item into <paramref name="into"/>; false if the queue is empty.</summary>
        public abstract bool TryPop(ArrayBufferWriter<byte> into);

        public abstract void Dispose();
    }

    private sealed class ChannelQueue(Channel<byte[]> channel) : ItemQueue
    {
        public override bool TryPush(byte[] item) => channel.Writer.TryWrite(item.AsSpan().ToArray());

        public override bool TryPop(ArrayBufferWriter<byte> into)
        {
            if (!channel.Reader.TryRead(out byte[]? item))
            {
                return false;
            }

            into.Write(item);
            return true;
        }

        public override void Dispose() => channel.Writer.TryComplete();
    }

    private sealed class MappedConcurrentQueue(ConcurrentMappedQueue queue) : ItemQueue
    {
        public override bool TryPush(byte[] item) => queue.TryEnqueue(item);

        public override bool TryPop(ArrayBufferWriter<byte> into) => queue.TryDequeue(into);

        public override void Dispose() => queue.Dispose();
    }

    /// <summary>Two producer and two consumer threads, started once, woken for each batch.</summary>
    private sealed class Team : IDisposable
    {
        private const int Producers = 2;
        private const int Consumers = 2;

        private readonly ItemQueue _queue;
        private readonly Thread[] _threads = new Thread[Producers + Consumers];
        private readonly SemaphoreSlim _start = new(0);
        private readonly CountdownEvent _pushed = new(Producers);
        private readonly PaddedCounters _consumed = new(Consumers);
        private readonly PaddedCounters _allocated = new(Producers + Consumers);
        private volatile int _share;
        private volatile bool _stop;
        private long _expected;

        internal Team(ItemQueue queue)
        {
            _queue = queue;
            for (int p = 0; p < Producers; p++)
            {
                int slot = p;
                _threads[p] = new Thread(() => Produce(slot)) { IsBackground = true };
            }

            for (int c = 0; c < Consumers; c++)
            {
                int slot = c;
                _threads[Producers + c] = new Thread(() => Consume(slot)) { IsBackground = true };
            }

            foreach (Thread thread in _threads)
            {
                thread.Start();
            }
        }

        internal long AllocatedBytes => _allocated.Sum();

        internal long Run(int items)
        {
            _share = items / Producers;
            _pushed.Reset();
            _start.Release(Producers);
            _pushed.Wait();
            _expected += items;
            _consumed.SpinUntilSum(_expected);
            return _expected;
        }

        public void Dispose()
        {
            _stop = true;
            _start.Release(Producers);
            foreach (Thread thread in _threads)
            {
                thread.Join();
            }

            _queue.Dispose();
            _start.Dispose();
            _pushed.Dispose();
        }

        private void Produce(int slot)
        {
            byte[] item = new byte[PeerCommands.ItemSize];
            long start = GC.GetAllocatedBytesForCurrentThread();
            while (true)
            {
                _start.Wait();
                if (_stop)
                {
                    return;
                }

                for (int i = 0; i < _share; i++)
                {
                    var spinner = new SpinWait();
                    while (!_queue.TryPush(item))
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }
                }

                _allocated.Set(slot, GC.GetAllocatedBytesForCurrentThread() - start);
                _pushed.Signal();
            }
        }

        private void Consume(int slot)
        {
            var into = new ArrayBufferWriter<byte>(PeerCommands.ItemSize);
            long start = GC.GetAllocatedBytesForCurrentThread();
            var spinner = new SpinWait();
            while (!_stop)
            {
                into.ResetWrittenCount();
                if (_queue.TryPop(into))
                {
                    spinner.Reset();
                    _consumed.Increment(slot);
                    continue;
                }

                _allocated.Set(Producers + slot, GC.GetAllocatedBytesForCurrentThread() - start);
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
