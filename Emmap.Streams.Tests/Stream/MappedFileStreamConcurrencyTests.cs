using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Several threads use <c>ReadAt</c>, <c>WriteAt</c> and direct views while another thread grows (or shrinks) the
/// file and finally disposes the stream: every call either works or, after the dispose, throws
/// <see cref="ObjectDisposedException"/>; nothing faults. Loops are bounded: each step waits for the workers to make
/// progress, with a generous cap, so the tests stay short on a busy machine.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamConcurrencyTests
{
    private const int Workers = 3;
    private const int Slot = 64;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("stress.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadAtWriteAtAndViews_WhileAnotherThreadGrowsThenDisposes_OnlyObjectDisposedAfterTheDispose()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Size = 16 * 1024,
            MaxIncrementSize = 16 * 1024,
        });
        var run = new StressRun(stream);

        run.Start(worker => () =>
        {
            // Each worker owns one slot: what it writes there is what it reads back, through a copy and a view.
            byte[] mine = new byte[Slot];
            byte[] seen = new byte[Slot];
            byte[] random = new byte[256];
            var rng = new Random(worker);
            for (int i = 0; ; i++)
            {
                Array.Fill(mine, (byte)(i + worker));
                stream.WriteAt(worker * Slot, mine);
                stream.ReadAt(worker * Slot, seen).ShouldBe(Slot);
                seen.ShouldBe(mine);
                using (IMemoryOwner<byte> view = stream.ReadDirect(worker * Slot, Slot))
                {
                    view.Memory.Span.SequenceEqual(mine).ShouldBeTrue();
                }

                long length = stream.Length;
                stream.ReadAt(rng.NextInt64(length), random);
                if (worker == 0 && i % 64 == 0)
                {
                    // Appends race with the grower's length changes.
                    stream.WriteAt(length, mine);
                }

                run.Progress();
            }
        });

        run.Control(step =>
        {
            if (step % 2 == 0)
            {
                stream.Resize();
            }
            else
            {
                stream.SetLength(stream.Length + 5000);
            }
        });

        run.ShouldHaveEndedCleanly();
        new FileInfo(_path).Length.ShouldBeGreaterThan(16 * 1024);
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void ReadsWritesAndViews_WhileAnotherHandleShrinksAndGrows_NeverFault()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 64 * 1024 });
        var other = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        var run = new StressRun(stream);

        run.Start(worker => () =>
        {
            byte[] buffer = new byte[512];
            var rng = new Random(worker);
            while (true)
            {
                long position = rng.NextInt64(64 * 1024);
                int read = stream.ReadAt(position, buffer);
                read.ShouldBeInRange(0, buffer.Length);
                if (worker == 1)
                {
                    stream.WriteAt(rng.NextInt64(Math.Max(1, stream.Length)), buffer.AsSpan(0, 16));
                }

                using (IMemoryOwner<byte> view = stream.ReadDirect(position, 4096))
                {
                    // Touch every page of the view: cut pages read as zeros, never fault.
                    Span<byte> span = view.Memory.Span;
                    for (int at = 0; at < span.Length; at += 1024)
                    {
                        _ = span[at];
                    }
                }

                run.Progress();
            }
        });

        run.Control(step => other.SetLength(step % 2 == 0 ? 100 + (step * 37) : 64 * 1024));
        other.Dispose();

        run.ShouldHaveEndedCleanly();
        ProcessMaps.Maps(_path).ShouldBeFalse();
    }

    /// <summary>Worker threads that loop until the stream is disposed, and a controlling thread that changes it.</summary>
    private sealed class StressRun(MappedFileStream stream)
    {
        private const int Steps = 40;
        private const int ProgressPerStep = 200;

        private readonly ConcurrentQueue<Exception> _failures = new();
        private readonly Thread[] _threads = new Thread[Workers];
        private int _disposeStarted;
        private long _progress;
        private int _endedByDispose;

        public void Start(Func<int, Action> body)
        {
            for (int w = 0; w < Workers; w++)
            {
                Action loop = body(w);
                _threads[w] = new Thread(() => Guard(loop)) { IsBackground = true, Name = $"stress worker {w}" };
                _threads[w].Start();
            }
        }

        public void Progress() => Interlocked.Increment(ref _progress);

        /// <summary>Runs <paramref name="step"/> between bursts of worker progress, then disposes the stream.</summary>
        public void Control(Action<int> step)
        {
            for (int i = 0; i < Steps && _failures.IsEmpty; i++)
            {
                long target = Interlocked.Read(ref _progress) + ProgressPerStep;
                SpinWait.SpinUntil(() => Interlocked.Read(ref _progress) >= target || !_failures.IsEmpty, TimeSpan.FromSeconds(10));
                step(i);
            }

            Volatile.Write(ref _disposeStarted, 1);
            stream.Dispose();
        }

        public void ShouldHaveEndedCleanly()
        {
            foreach (Thread thread in _threads)
            {
                thread.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue("a worker did not stop after the dispose");
            }

            _failures.ShouldBeEmpty();
            Volatile.Read(ref _endedByDispose).ShouldBe(Workers);
            Interlocked.Read(ref _progress).ShouldBeGreaterThan(Steps * ProgressPerStep / 2);
        }

        private void Guard(Action loop)
        {
            try
            {
                loop();
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposeStarted) == 1)
            {
                Interlocked.Increment(ref _endedByDispose);
            }
            catch (Exception ex)
            {
                _failures.Enqueue(ex);
            }
        }
    }
}
