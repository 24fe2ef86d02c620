using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using FASTER.core;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Push one payload then pop one, single-threaded, copying the payload in from a span and out into an
/// <see cref="IBufferWriter{T}"/>, as <c>MappedQueue.Push(ReadOnlySpan&lt;byte&gt;)</c> + <c>TryPop(IBufferWriter&lt;byte&gt;)</c> do.
/// The in-memory peers allocate one array per item, as their users do; <see cref="ConcurrentQueue{T}"/> is the baseline.
/// FasterLog is the persistent peer: it writes to a log file on disk in this temporary directory.
/// </summary>
public class QueueBenchmarks
{
    private const int Operations = 1024;

    private byte[] _payload = null!;
    private ArrayBufferWriter<byte> _popped = null!;
    private ConcurrentQueue<byte[]> _concurrentQueue = null!;
    private Channel<byte[]> _channel = null!;
    private FasterLogSettings _fasterSettings = null!;
    private FasterLog _fasterLog = null!;
    private FasterLogScanIterator _fasterIterator = null!;
    private MappedQueue _mappedQueue = null!;

    /// <summary>Gets or sets the bytes per item.</summary>
    [Params(64)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        new Random(11).NextBytes(_payload);
        _popped = new ArrayBufferWriter<byte>(PayloadSize);
        _concurrentQueue = new ConcurrentQueue<byte[]>();
        _channel = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _fasterSettings = new FasterLogSettings(DataFiles.Scratch("fasterlog"), deleteDirOnDispose: true)
        {
            AutoRefreshSafeTailAddress = true,
        };
        _fasterLog = new FasterLog(_fasterSettings);
        _fasterIterator = _fasterLog.Scan(_fasterLog.BeginAddress, long.MaxValue, scanUncommitted: true);
        _mappedQueue = MappedQueue.Open(DataFiles.Scratch("mapped.queue"), 1 << 20);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _mappedQueue.Dispose();
        _fasterIterator.Dispose();
        _fasterLog.Dispose();
        _fasterSettings.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public long ConcurrentQueuePushPop()
    {
        ReadOnlySpan<byte> payload = _payload;
        ArrayBufferWriter<byte> popped = _popped;
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            _concurrentQueue.Enqueue(payload.ToArray());
            _concurrentQueue.TryDequeue(out byte[]? item);
            popped.ResetWrittenCount();
            popped.Write(item);
            total += popped.WrittenCount;
        }

        return total;
    }

    /// <summary>
    /// The fastest correct raw code for fixed 64-byte items (issue 14): the copy in and the copy out are constant-size block
    /// copies the JIT inlines, where <see cref="ConcurrentQueuePushPop"/> uses the runtime's copy through <c>ToArray</c> and
    /// <c>ArrayBufferWriter.Write</c> (as code for items of any size does).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public long ConcurrentQueueConstantCopies()
    {
        byte[] payload = _payload;
        ArrayBufferWriter<byte> popped = _popped;
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            byte[] copy = GC.AllocateUninitializedArray<byte>(64);
            Unsafe.As<byte, Block64>(ref copy[0]) = Unsafe.As<byte, Block64>(ref payload[0]);
            _concurrentQueue.Enqueue(copy);
            _concurrentQueue.TryDequeue(out byte[]? item);
            popped.ResetWrittenCount();
            Unsafe.As<byte, Block64>(ref MemoryMarshal.GetReference(popped.GetSpan(64))) = Unsafe.As<byte, Block64>(ref item![0]);
            popped.Advance(64);
            total += popped.WrittenCount;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long MappedQueuePushPop()
    {
        ReadOnlySpan<byte> payload = _payload;
        ArrayBufferWriter<byte> popped = _popped;
        MappedQueue queue = _mappedQueue;
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            queue.Push(payload);
            popped.ResetWrittenCount();
            queue.TryPop(popped);
            total += popped.WrittenCount;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long ChannelPushPop()
    {
        ReadOnlySpan<byte> payload = _payload;
        ArrayBufferWriter<byte> popped = _popped;
        ChannelWriter<byte[]> writer = _channel.Writer;
        ChannelReader<byte[]> reader = _channel.Reader;
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            writer.TryWrite(payload.ToArray());
            reader.TryRead(out byte[]? item);
            popped.ResetWrittenCount();
            popped.Write(item);
            total += popped.WrittenCount;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public unsafe long FasterLogPushPop()
    {
        ReadOnlySpan<byte> payload = _payload;
        ArrayBufferWriter<byte> popped = _popped;
        FasterLogScanIterator iterator = _fasterIterator;
        long total = 0;
        long next = 0;
        for (int i = 0; i < Operations; i++)
        {
            _fasterLog.Enqueue(payload);
            byte* entry;
            int length;
            int spins = 0;
            while (!iterator.UnsafeGetNext(out entry, out length, out _, out next))
            {
                // Enqueued but not yet past the safe tail: FasterLog publishes it on its own.
                if (++spins > 1_000_000)
                {
                    throw new InvalidOperationException("FasterLog did not make an enqueued record visible to its iterator.");
                }
            }

            popped.ResetWrittenCount();
            popped.Write(new ReadOnlySpan<byte>(entry, length));
            iterator.UnsafeRelease();
            total += popped.WrittenCount;
        }

        iterator.CompleteUntil(next);
        _fasterLog.TruncateUntil(next);
        return total;
    }
}
