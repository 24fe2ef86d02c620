using System;
using System.Buffers;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// <see cref="MappedCounters.Increment"/> against a raw <see cref="Interlocked.Add(ref long, long)"/> on the same slot of
/// the same mapped counter file (the baseline), from <see cref="TeamBenchmarks.Threads"/> threads (2 threads contend for the slot).
/// One operation is one increment on one thread.
/// </summary>
public unsafe class CounterBenchmarks : TeamBenchmarks
{
    private const int Operations = 1 << 14;
    private const int Counter = 1;

    private MappedCounters _counters = null!;
    private MappedFileStream _stream = null!;
    private IMemoryOwner<byte> _view = null!;
    private MemoryHandle _pin;
    private long* _slot;
    private Action<int> _rawAdd = null!;
    private Action<int> _increment = null!;

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
        StartTeam();
        _rawAdd = RawInterlockedAddOn;
        _increment = IncrementOn;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        StopTeam();
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

    private void RawInterlockedAddOn(int thread) => Report(thread, RawLoops.InterlockedAdd(_slot, Operations));

    private void IncrementOn(int thread)
    {
        MappedCounters counters = _counters;
        long last = 0;
        for (int i = 0; i < Operations; i++)
        {
            last = counters.Increment(Counter);
        }

        Report(thread, last);
    }
}
