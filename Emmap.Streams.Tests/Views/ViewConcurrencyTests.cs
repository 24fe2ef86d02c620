using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>Many threads take and drop views while another disposes the stream: no fault, only <see cref="ObjectDisposedException"/> after the dispose, and every view taken before it stays valid.</summary>
[TestFixture]
public sealed class ViewConcurrencyTests
{
    private const int Workers = 3;
    private const int Length = 64 * 1024;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("race.bin");
        File.WriteAllBytes(_path, Enumerable.Range(0, Length).Select(i => (byte)(i % 241)).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void ReadDirectAndReadSequence_RacingWithDispose_OnlyObjectDisposedAndKeptViewsStayValid()
    {
        byte[] expected = SharedFile.ReadAllBytes(_path);
        var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        var failures = new ConcurrentQueue<Exception>();
        var kept = new ConcurrentBag<(long Position, IDisposable Owner, Func<byte[]> Read)>();
        int disposeStarted = 0;
        int endedByDispose = 0;
        long progress = 0;

        var threads = Enumerable.Range(0, Workers).Select(worker => new Thread(() =>
        {
            var rng = new Random(worker);
            try
            {
                for (int i = 0; ; i++)
                {
                    long position = rng.Next(Length - 100);
                    if (i % 2 == 0)
                    {
                        IMemoryOwner<byte> view = stream.ReadDirect(position, 100);
                        view.Memory.Span.SequenceEqual(expected.AsSpan((int)position, 100)).ShouldBeTrue();
                        Keep(view, position, () => view.Memory.ToArray());
                    }
                    else
                    {
                        MappedSequenceOwner owner = stream.ReadSequence(position, 100);
                        owner.Sequence.ToArray().ShouldBe(expected[(int)position..((int)position + 100)]);
                        Keep(owner, position, () => owner.Sequence.ToArray());
                    }

                    Interlocked.Increment(ref progress);
                }
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref disposeStarted) == 1)
            {
                Interlocked.Increment(ref endedByDispose);
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }

            void Keep(IDisposable owner, long position, Func<byte[]> read)
            {
                // Keep one in eight alive past the dispose; drop the rest at once.
                if (rng.Next(8) == 0)
                {
                    kept.Add((position, owner, read));
                }
                else
                {
                    owner.Dispose();
                }
            }
        })
        { IsBackground = true }).ToArray();

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        SpinWait.SpinUntil(() => Interlocked.Read(ref progress) >= 5000 || !failures.IsEmpty, TimeSpan.FromSeconds(20));
        Volatile.Write(ref disposeStarted, 1);
        stream.Dispose();
        foreach (Thread thread in threads)
        {
            thread.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        }

        failures.ShouldBeEmpty();
        endedByDispose.ShouldBe(Workers);
        kept.ShouldNotBeEmpty();
        ProcessMaps.Maps(_path).ShouldBeTrue("kept views pin the mapping");
        foreach ((long position, IDisposable owner, Func<byte[]> read) in kept)
        {
            read().ShouldBe(expected[(int)position..((int)position + 100)]);
            owner.Dispose();
        }

        stream.LiveViewCount.ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse();
    }
}
