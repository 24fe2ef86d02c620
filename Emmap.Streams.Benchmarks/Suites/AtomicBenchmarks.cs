using System;
using System.Buffers;
using System.IO;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// 64-bit atomics on one cell of a mapped file from <see cref="TeamBenchmarks.Threads"/> threads (2 threads contend for the same
/// cell): <see cref="AtomicExtensions.AtomicAdd"/> and <see cref="AtomicExtensions.AtomicCompareExchange"/> against
/// <see cref="Interlocked"/> on the same address of the same mapping (the baselines). One operation is one call on
/// one thread. <c>RawInterlockedAddAfterLoad</c> reads the cell's address from an object before each addition: the floor
/// of any call that must look its cell up.
/// </summary>
public unsafe class AtomicBenchmarks : TeamBenchmarks
{
    private const int Operations = 1 << 14;
    private const long Cell = 4096;

    private MappedFileStream _stream = null!;
    private IMemoryOwner<byte> _view = null!;
    private MemoryHandle _pin;
    private long* _cell;
    private CellHolder _holder = null!;
    private Action<int> _rawAdd = null!;
    private Action<int> _rawAddAfterLoad = null!;
    private Action<int> _atomicAdd = null!;
    private Action<int> _rawCompareExchange = null!;
    private Action<int> _atomicCompareExchange = null!;

    [GlobalSetup]
    public void Setup()
    {
        string path = DataFiles.Scratch("atomics");
        _stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 1 << 20, Populate = true });
        _view = _stream.ReadDirect(0, (int)_stream.Length);
        _pin = _view.Memory.Pin();
        _cell = (long*)((byte*)_pin.Pointer + Cell);
        _holder = new CellHolder { Cell = (nint)_cell };
        StartTeam();
        _rawAdd = RawInterlockedAddOn;
        _rawAddAfterLoad = RawInterlockedAddAfterLoadOn;
        _atomicAdd = AtomicAddOn;
        _rawCompareExchange = RawCompareExchangeOn;
        _atomicCompareExchange = AtomicCompareExchangeOn;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        StopTeam();
        _pin.Dispose();
        _view.Dispose();
        _stream.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("add")]
    public long RawInterlockedAdd() => RunTeam(_rawAdd);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("add")]
    public long AtomicAdd() => RunTeam(_atomicAdd);

    /// <summary>The floor of any call that must read the cell's address from memory (see <see cref="RawLoops.InterlockedAddAfterLoad"/>).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("add")]
    public long RawInterlockedAddAfterLoad() => RunTeam(_rawAddAfterLoad);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("cas")]
    public long RawCompareExchange() => RunTeam(_rawCompareExchange);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("cas")]
    public long AtomicCompareExchange() => RunTeam(_atomicCompareExchange);

    private void RawInterlockedAddOn(int thread) => Report(thread, RawLoops.InterlockedAdd(_cell, Operations));

    private void RawInterlockedAddAfterLoadOn(int thread) => Report(thread, RawLoops.InterlockedAddAfterLoad(_holder, Operations));

    private void AtomicAddOn(int thread)
    {
        MappedFileStream stream = _stream;
        long last = 0;
        for (int i = 0; i < Operations; i++)
        {
            last = stream.AtomicAdd(Cell, 1);
        }

        Report(thread, last);
    }

    private void RawCompareExchangeOn(int thread)
    {
        long* cell = _cell;
        long expected = Volatile.Read(ref *cell);
        for (int i = 0; i < Operations; i++)
        {
            long seen = Interlocked.CompareExchange(ref *cell, expected + 1, expected);
            expected = seen == expected ? expected + 1 : seen;
        }

        Report(thread, expected);
    }

    private void AtomicCompareExchangeOn(int thread)
    {
        MappedFileStream stream = _stream;
        long expected = stream.AtomicRead(Cell);
        for (int i = 0; i < Operations; i++)
        {
            long seen = stream.AtomicCompareExchange(Cell, expected + 1, expected);
            expected = seen == expected ? expected + 1 : seen;
        }

        Report(thread, expected);
    }
}
