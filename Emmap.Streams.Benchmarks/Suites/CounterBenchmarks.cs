using System;
using System.Buffers;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// <see cref="MappedCounters.Increment"/> against a raw <see cref="Interlocked.Add(ref long, long)"/> on the same slot of
/// the same mapped counter file (the baseline), from <see cref="Threads"/> threads (2 threads contend for the slot).
/// One operation is one increment on one thread.
/// </summary>
public unsafe class CounterBenchmarks : IWorkerAllocations
{
    private const int Operations = 1 << 14;
    private const int Counter = 1;

    private MappedCounters _counters = null!;
    private MappedFileStream _stream = null!;
    private IMemoryOwner<byte> _view = null!;
    private MemoryHandle _pin;
    private long* _slot;
    private ThreadTeam _team = null!;
    private long[] _results = null!;
    private Action<int> _rawAdd = null!;
    private Action<int> _increment = null!;

    /// <summary>Gets or sets the number of threads incrementing the counter.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <inheritdoc/>
    public long WorkerAllocatedBytes => _team.WorkerAllocatedBytes;

    [GlobalSetup]
    public void Setup()
    {
        string path = DataFiles.Scratch("counters");
        _counters = MappedCounters.Open(path, 4);

        // The raw side maps the same file and touches the same slot: 16 header bytes, then 8 per counter.
        _stream = MappedFileStream.Open(path);
        _view = _stream.ReadDirect(0, (int)_stream.Length);
        _pin = _view.Memory.Pin();
        _slot = (long*)((byte*)_pin.Pointer + 16 + (8 * Counter));
        _team = new ThreadTeam(Threads);
        _results = new long[Threads * 16];
        _rawAdd = RawInterlockedAddOn;
        _increment = IncrementOn;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _team.Dispose();
        _pin.Dispose();
        _view.Dispose();
        _stream.Dispose();
        _counters.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("increment")]
    public long RawInterlockedAdd() => RunTeam(_rawAdd);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("increment")]
    public long Increment() => RunTeam(_increment);

    private long RunTeam(Action<int> body)
    {
        _team.Run(body);
        return Volatile.Read(ref _results[0]);
    }

    private void RawInterlockedAddOn(int thread)
    {
        long* slot = _slot;
        long last = 0;
        for (int i = 0; i < Operations; i++)
        {
            last = Interlocked.Add(ref *slot, 1);
        }

        _results[thread * 16] = last;
    }

    private void IncrementOn(int thread)
    {
        MappedCounters counters = _counters;
        long last = 0;
        for (int i = 0; i < Operations; i++)
        {
            last = counters.Increment(Counter);
        }

        _results[thread * 16] = last;
    }
}
