using System.IO;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Reopening a queue of 10 million 64-byte items (issue 14): <see cref="MappedQueue.Open(string, long, QueueOptions?)"/> then
/// <see cref="MappedQueue.Dispose"/>, after a clean close (the header is an exact checkpoint: no checksum to check) and after a
/// crash (the cursor words are ahead of the checkpoint: every record's checksum is checked). The crashed file's header is put
/// back before each open (recovery repairs it), which costs one 1 KiB write. The page cache is warm, as it is for a process
/// that restarts on the same machine. Baseline: the clean reopen.
/// </summary>
public class QueueReopenBenchmarks
{
    private const int Items = 10_000_000;

    private string _clean = null!;
    private string _crashed = null!;
    private byte[] _crashedHeader = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clean = DataFiles.Scratch("reopen-clean.queue");
        _crashed = DataFiles.Scratch("reopen-crashed.queue");
        byte[] item = new byte[64];
        using (MappedQueue queue = MappedQueue.Open(_clean, 1 << 20))
        {
            for (int i = 0; i < Items; i++)
            {
                queue.Push(item);
            }

            // A crash: the bytes as they are while the queue is open (cursor words ahead of the last checkpoint).
            File.Copy(_clean, _crashed);
            using var source = new FileStream(_clean, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            _crashedHeader = new byte[1024];
            source.ReadExactly(_crashedHeader);
        }

        using var crashed = new FileStream(_crashed, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        crashed.Write(_crashedHeader);
        crashed.Flush(flushToDisk: true);
        DataFiles.FlushToDisk(_clean);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_clean);
        File.Delete(_crashed);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("10M")]
    public long AfterCleanClose()
    {
        using MappedQueue queue = MappedQueue.Open(_clean, 1 << 20);
        return queue.Count;
    }

    [Benchmark]
    [BenchmarkCategory("10M")]
    public long AfterCrash()
    {
        using (var file = new FileStream(_crashed, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Write(_crashedHeader);
        }

        using MappedQueue queue = MappedQueue.Open(_crashed, 1 << 20);
        return queue.Count;
    }
}
