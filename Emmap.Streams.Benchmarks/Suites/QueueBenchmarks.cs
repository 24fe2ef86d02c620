using System;
using System.Buffers;
using System.Collections.Concurrent;
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
/// <remarks>
/// The <c>MappedQueue</c> case plugs in as another part of this class, in <c>QueueBenchmarks.MappedQueue.cs</c>: implement
/// <c>SetupMappedQueue</c>/<c>CleanupMappedQueue</c> (open and dispose a queue in <see cref="DataFiles.Scratch"/>) and add
/// <c>[Benchmark(OperationsPerInvoke = Operations)] public long MappedQueuePushPop()</c> with the same loop shape as the
/// peers. The quick run picks it up, and the queue bars in <see cref="Bars"/> compare it with these cases by name.
/// </remarks>
public partial class QueueBenchmarks
{
    private const int Operations = 1024;

    private byte[] _payload = null!;
    private ArrayBufferWriter<byte> _popped = null!;
    private ConcurrentQueue<byte[]> _concurrentQueue = null!;
    private Channel<byte[]> _channel = null!;
    private FasterLogSettings _fasterSettings = null!;
    private FasterLog _fasterLog = null!;
    private FasterLogScanIterator _fasterIterator = null!;

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
        SetupMappedQueue();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CleanupMappedQueue();
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

    partial void SetupMappedQueue();

    partial void CleanupMappedQueue();
}
