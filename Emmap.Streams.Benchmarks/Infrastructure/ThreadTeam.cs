using System;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Runs one body on several threads at once: the calling thread takes part as thread 0 and parked
/// workers take the others, so a multi-threaded case pays one wake-up per invocation, not a thread start.
/// Each worker counts what it allocates, so per-thread allocation totals can be reported.
/// </summary>
internal sealed class ThreadTeam : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _body;
    private Exception? _failure;
    private long _workerAllocatedBytes;
    private volatile bool _stopping;

    /// <summary>Creates a team of <paramref name="threads"/> threads (the caller included).</summary>
    internal ThreadTeam(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Size = threads;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        _done = new CountdownEvent(threads - 1);
        for (int i = 0; i < _workers.Length; i++)
        {
            int index = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"bench-worker-{index}" };
            _workers[i].Start();
        }
    }

    /// <summary>Gets the number of threads, the caller included.</summary>
    internal int Size { get; }

    /// <summary>Gets the bytes the worker threads have allocated inside bodies so far (the caller's own are not counted).</summary>
    internal long WorkerAllocatedBytes => Interlocked.Read(ref _workerAllocatedBytes);

    /// <summary>Runs <paramref name="body"/> with indexes 0 to <see cref="Size"/> − 1 at once and waits for all of them.</summary>
    internal void Run(Action<int> body)
    {
        if (_workers.Length == 0)
        {
            body(0);
            return;
        }

        _body = body;
        _done.Reset();
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        body(0);
        _done.Wait();
        if (_failure is { } failure)
        {
            _failure = null;
            throw new InvalidOperationException("A worker thread failed.", failure);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        foreach (Thread worker in _workers)
        {
            worker.Join();
        }

        foreach (SemaphoreSlim start in _start)
        {
            start.Dispose();
        }

        _done.Dispose();
    }

    private void WorkerLoop(int index)
    {
        SemaphoreSlim start = _start[index - 1];
        while (true)
        {
            start.Wait();
            if (_stopping)
            {
                return;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                _body!(index);
            }
            catch (Exception ex)
            {
                _failure = ex;
            }

            Interlocked.Add(ref _workerAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            _done.Signal();
        }
    }
}
