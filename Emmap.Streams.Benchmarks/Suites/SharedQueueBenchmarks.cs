using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Items of 64 bytes between processes (issue 12): one operation is one item, pushed here and taken by another process. The
/// batch of <see cref="Batch"/> items ends when the consumer has taken them all (it says so), so the time per item is the
/// throughput of the whole pipeline, not of one side.
/// <list type="bullet">
/// <item><c>spsc</c>: one producer (this process), one consumer process. The baseline is what .NET programs use today between
/// processes: a Unix domain socket, written through a 64 KiB <see cref="BufferedStream"/> (one system call per 1,024 items,
/// the fast way, at the price of latency: an item waits in the buffer until it fills or is flushed); the same socket written
/// one item per call (each item leaves at once); a named pipe (on Linux also a Unix domain socket) buffered. <c>SharedQueue</c> is a
/// <see cref="QueueOptions.MultiProcess"/> queue; <c>InProcessQueue</c> is a <see cref="ConcurrentMappedQueue"/> with the
/// consumer on a thread of this process.</item>
/// <item><c>2p2c</c>: two producers (this process and a peer) and two consumer processes on one shared queue, against the
/// same with threads of this process on a <see cref="ConcurrentMappedQueue"/> (the baseline).</item>
/// </list>
/// Consumers pop into an <see cref="IBufferWriter{T}"/> and producers push from a span: no allocation per item on either side
/// (the peers report theirs when the suite ends).
/// </summary>
public class SharedQueueBenchmarks : IWorkerAllocations
{
    private const int Batch = 16384;

    private readonly byte[] _item = new byte[PeerCommands.ItemSize];

    private MappedQueue _queue = null!;
    private Peer _queueConsumer = null!;
    private Socket _listener = null!;
    private NetworkStream _socket = null!;
    private BufferedStream _socketOut = null!;
    private Peer _socketConsumer = null!;
    private NamedPipeServerStream _pipe = null!;
    private BufferedStream _pipeOut = null!;
    private Peer _pipeConsumer = null!;

    private MappedQueue _queue2 = null!;
    private Peer _producer2 = null!;
    private Peer _consumer2A = null!;
    private Peer _consumer2B = null!;
    private long _shared2Expected;

    private LocalPipeline _local = null!;
    private LocalPipeline _local2 = null!;

    /// <inheritdoc/>
    public long WorkerAllocatedBytes => _local.AllocatedBytes + _local2.AllocatedBytes;

    [GlobalSetup]
    public void Setup()
    {
        string queuePath = DataFiles.Scratch("shared.queue");
        _queue = PeerCommands.OpenShared(queuePath);
        _queueConsumer = Peer.Start("queue-consume", queuePath, Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));

        string socketPath = DataFiles.Scratch("socket");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(1);
        _socketConsumer = Peer.Start("socket-consume", socketPath, Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _socket = new NetworkStream(_listener.Accept(), ownsSocket: true);
        _socketOut = new BufferedStream(_socket, 1 << 16);

        string pipeName = "emmap-bench-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _pipe = new NamedPipeServerStream(pipeName, PipeDirection.InOut);
        _pipeConsumer = Peer.Start("pipe-consume", pipeName, Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _pipe.WaitForConnection();
        _pipeOut = new BufferedStream(_pipe, 1 << 16);

        string queue2Path = DataFiles.Scratch("shared2.queue");
        _queue2 = PeerCommands.OpenShared(queue2Path);
        _producer2 = Peer.Start("queue-produce", queue2Path);
        _consumer2A = Peer.Start("queue-consume-total", queue2Path);
        _consumer2B = Peer.Start("queue-consume-total", queue2Path);

        _local = new LocalPipeline(DataFiles.Scratch("local.queue"), producers: 1, consumers: 1);
        _local2 = new LocalPipeline(DataFiles.Scratch("local2.queue"), producers: 2, consumers: 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // An empty item tells a queue consumer to stop; it then reports what it allocated.
        _queue.Push([]);
        Console.Error.WriteLine($"shared-queue/spsc consumer process: {Allocations(_queueConsumer)}");
        _queueConsumer.Dispose();
        _queue.Dispose();
        _queue2.Push([]);
        _queue2.Push([]);
        Console.Error.WriteLine($"shared-queue/2p2c consumer processes: {Allocations(_consumer2A)}; {Allocations(_consumer2B)}");
        _consumer2A.Dispose();
        _consumer2B.Dispose();
        _producer2.Dispose();
        _queue2.Dispose();
        _socketOut.Dispose();
        _socketConsumer.Dispose();
        _listener.Dispose();
        _pipeOut.Dispose();
        _pipeConsumer.Dispose();
        _local.Dispose();
        _local2.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("spsc")]
    public long UnixSocket() => SendThroughStream(_socketOut, _socket);

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("spsc")]
    public long UnixSocketPerItem()
    {
        // One write (one system call) per item, as a sender does when each message must leave at once.
        byte[] item = _item;
        for (int i = 0; i < Batch; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(item, i);
            _socket.Write(item);
        }

        return _socket.ReadByte();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("spsc")]
    public long NamedPipe() => SendThroughStream(_pipeOut, _pipe);

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("spsc")]
    public long SharedQueue()
    {
        MappedQueue queue = _queue;
        byte[] item = _item;
        for (int i = 0; i < Batch; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(item, i);
            queue.Push(item);
        }

        _ = _queueConsumer.Expect("B");
        return queue.GetHashCode();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("spsc")]
    public long InProcessQueue() => _local.Run(Batch);

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("2p2c")]
    public long InProcessQueue2P2C() => _local2.Run(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("2p2c")]
    public long SharedQueue2P2C()
    {
        _producer2.Send("go " + (Batch / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        MappedQueue queue = _queue2;
        byte[] item = _item;
        for (int i = 0; i < Batch / 2; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(item, i);
            queue.Push(item);
        }

        _ = _producer2.Expect("pushed");
        _shared2Expected += Batch;
        var spinner = new SpinWait();
        while (_consumer2A.LastNumber + _consumer2B.LastNumber < _shared2Expected)
        {
            spinner.SpinOnce();
        }

        return _shared2Expected;
    }

    private static string Allocations(Peer consumer)
    {
        string line = consumer.Expect("A ");
        string[] parts = line.Split(' ');
        long bytes = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        long items = long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        return $"{bytes} bytes allocated for {items} items ({(items == 0 ? 0 : (double)bytes / items):F4} B/item)";
    }

    private long SendThroughStream(BufferedStream output, Stream connection)
    {
        byte[] item = _item;
        for (int i = 0; i < Batch; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(item, i);
            output.Write(item);
        }

        output.Flush();
        return connection.ReadByte();
    }

    /// <summary>
    /// Producers and consumers as threads of this process on one <see cref="ConcurrentMappedQueue"/>: this thread is the first
    /// producer; the others wait for the start of each batch. Consumers spin briefly and then wait for items, as the peers do.
    /// </summary>
    private sealed class LocalPipeline : IDisposable
    {
        private readonly ConcurrentMappedQueue _queue;
        private readonly Thread[] _threads;
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _pushed = new(0);
        private readonly PaddedCounters _consumed;
        private readonly PaddedCounters _allocated;
        private readonly int _producers;
        private readonly byte[] _item = new byte[PeerCommands.ItemSize];
        private volatile int _share;
        private volatile bool _stop;
        private long _expected;

        internal LocalPipeline(string path, int producers, int consumers)
        {
            _queue = ConcurrentMappedQueue.Open(path, 1 << 20);
            _producers = producers;
            _consumed = new PaddedCounters(consumers);
            _allocated = new PaddedCounters(producers + consumers);
            _threads = new Thread[producers - 1 + consumers];
            for (int p = 1; p < producers; p++)
            {
                int slot = p;
                _threads[p - 1] = new Thread(() => Produce(slot)) { IsBackground = true };
            }

            for (int c = 0; c < consumers; c++)
            {
                int slot = c;
                _threads[producers - 1 + c] = new Thread(() => Consume(slot)) { IsBackground = true };
            }

            foreach (Thread thread in _threads)
            {
                thread.Start();
            }
        }

        internal long AllocatedBytes => _allocated.Sum();

        internal long Run(int items)
        {
            _share = items / _producers;
            if (_producers > 1)
            {
                _start.Release(_producers - 1);
            }

            Push(_item, _share);
            for (int p = 1; p < _producers; p++)
            {
                _pushed.Wait();
            }

            _expected += items;
            _consumed.SpinUntilSum(_expected);
            return _expected;
        }

        public void Dispose()
        {
            _stop = true;
            if (_producers > 1)
            {
                _start.Release(_producers - 1);
            }

            _queue.Dispose();
            foreach (Thread thread in _threads)
            {
                thread.Join();
            }

            _start.Dispose();
            _pushed.Dispose();
        }

        private void Push(byte[] item, int count)
        {
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(item, i);
                _queue.Enqueue(item);
            }
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

                Push(item, _share);
                _allocated.Set(slot, GC.GetAllocatedBytesForCurrentThread() - start);
                _pushed.Release();
            }
        }

        private void Consume(int slot)
        {
            var into = new ArrayBufferWriter<byte>(PeerCommands.ItemSize);
            long start = GC.GetAllocatedBytesForCurrentThread();
            int spins = 0;
            try
            {
                while (!_stop)
                {
                    into.ResetWrittenCount();
                    if (_queue.TryDequeue(into))
                    {
                        spins = 0;
                        _consumed.Increment(slot);
                        continue;
                    }

                    _allocated.Set(_producers + slot, GC.GetAllocatedBytesForCurrentThread() - start);
                    if (++spins < 200)
                    {
                        Thread.SpinWait(30);
                        continue;
                    }

                    spins = 0;
                    _ = _queue.Reader.WaitToReadAsync().AsTask().Wait(10);
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex.InnerException is ObjectDisposedException)
            {
                // The suite ended.
            }
        }
    }
}
