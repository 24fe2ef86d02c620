using System;
using System.Threading;
using BenchmarkDotNet.Attributes;
using FASTER.core;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Durable pushes of 64 bytes from <see cref="Producers"/> threads at once. <c>always</c>: every push is on the device
/// before it returns (FasterLog: enqueue, then a commit that waits). <c>batched</c>: pushes return at once and a
/// committer thread makes them durable every millisecond, so many pushes share one flush (group commit).
/// <see cref="ConcurrentMappedQueue"/> with <see cref="QueueDurability.Always"/> flushes before each push returns; with
/// <see cref="QueueDurability.Batched"/> one background flush per 2 ms (or 1 MiB) covers every push made since.
/// One operation is one push; ns/op is wall time divided by all pushes of all producers (the inverse of throughput).
/// </summary>
public class QueueDurabilityBenchmarks : IWorkerAllocations
{
    /// <summary>Pushes per invocation, over all producers, when every push waits for the device.</summary>
    public const int AlwaysOperations = 64;

    /// <summary>Pushes per invocation, over all producers, when pushes share a periodic flush.</summary>
    public const int BatchedOperations = 1 << 14;

    private const long QueueSize = 16L << 20;

    private readonly byte[] _payload = new byte[64];
    private ThreadTeam _team = null!;
    private FasterLogSettings _alwaysSettings = null!;
    private FasterLog _alwaysLog = null!;
    private FasterLogSettings _batchedSettings = null!;
    private FasterLog _batchedLog = null!;
    private Thread _committer = null!;
    private volatile bool _stopping;
    private Action<int> _fasterAlways = null!;
    private Action<int> _fasterBatched = null!;
    private ConcurrentMappedQueue _alwaysQueue = null!;
    private ConcurrentMappedQueue _batchedQueue = null!;
    private Action<int> _mappedAlways = null!;
    private Action<int> _mappedBatched = null!;

    /// <summary>Gets or sets the number of threads pushing at once.</summary>
    [Params(1, 4)]
    public int Producers { get; set; }

    /// <inheritdoc/>
    public long WorkerAllocatedBytes => _team.WorkerAllocatedBytes;

    [GlobalSetup]
    public void Setup()
    {
        new Random(13).NextBytes(_payload);
        _team = new ThreadTeam(Producers);
        _alwaysSettings = new FasterLogSettings(DataFiles.Scratch("fasterlog-always"), deleteDirOnDispose: true);
        _alwaysLog = new FasterLog(_alwaysSettings);
        _batchedSettings = new FasterLogSettings(DataFiles.Scratch("fasterlog-batched"), deleteDirOnDispose: true);
        _batchedLog = new FasterLog(_batchedSettings);
        _stopping = false;
        _committer = new Thread(CommitEveryMillisecond) { IsBackground = true, Name = "bench-committer" };
        _committer.Start();
        _fasterAlways = FasterLogAlwaysOn;
        _fasterBatched = FasterLogBatchedOn;
        // Large enough that one invocation's pushes never grow the file: this measures pushes, not growth.
        _alwaysQueue = ConcurrentMappedQueue.Open(
            DataFiles.Scratch("always.queue"), QueueSize, new QueueOptions { Durability = QueueDurability.Always });
        _batchedQueue = ConcurrentMappedQueue.Open(
            DataFiles.Scratch("batched.queue"), QueueSize, new QueueOptions { Durability = QueueDurability.Batched });
        _mappedAlways = MappedQueueAlwaysOn;
        _mappedBatched = MappedQueueBatchedOn;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _alwaysQueue.Dispose();
        _batchedQueue.Dispose();
        _stopping = true;
        _committer.Join();
        _team.Dispose();
        _alwaysLog.Dispose();
        _alwaysSettings.Dispose();
        _batchedLog.Dispose();
        _batchedSettings.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = AlwaysOperations)]
    [BenchmarkCategory("always")]
    public void FasterLogAlways() => RunProducers(_fasterAlways);

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchedOperations)]
    [BenchmarkCategory("batched")]
    public void FasterLogBatched() => RunProducers(_fasterBatched);

    [Benchmark(OperationsPerInvoke = AlwaysOperations)]
    [BenchmarkCategory("always")]
    public void MappedQueueAlways()
    {
        _alwaysQueue.Erase();
        RunProducers(_mappedAlways);
    }

    [Benchmark(OperationsPerInvoke = BatchedOperations)]
    [BenchmarkCategory("batched")]
    public void MappedQueueBatched()
    {
        _batchedQueue.Erase();
        RunProducers(_mappedBatched);
    }

    /// <summary>Runs <paramref name="producer"/> on every producer thread at once and waits for all of them.</summary>
    protected void RunProducers(Action<int> producer) => _team.Run(producer);

    /// <summary>The pushes one producer makes per invocation, so that all producers together make <paramref name="total"/>.</summary>
    protected int Share(int total) => total / Producers;

    private void MappedQueueAlwaysOn(int producer)
    {
        for (int i = Share(AlwaysOperations); i > 0; i--)
        {
            _alwaysQueue.Enqueue(_payload);
        }
    }

    private void MappedQueueBatchedOn(int producer)
    {
        for (int i = Share(BatchedOperations); i > 0; i--)
        {
            _batchedQueue.Enqueue(_payload);
        }
    }

    private void FasterLogAlwaysOn(int producer)
    {
        for (int i = Share(AlwaysOperations); i > 0; i--)
        {
            _alwaysLog.Enqueue(_payload);
            _alwaysLog.Commit(spinWait: true);
        }
    }

    private void FasterLogBatchedOn(int producer)
    {
        for (int i = Share(BatchedOperations); i > 0; i--)
        {
            _batchedLog.Enqueue(_payload);
        }
    }

    private void CommitEveryMillisecond()
    {
        while (!_stopping)
        {
            _batchedLog.Commit(spinWait: true);
            Thread.Sleep(1);
        }
    }
}
