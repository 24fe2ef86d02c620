using System;
using System.IO;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// emmap's own queue tests (emmap-spec.md §10.2), ported to this API. Sizes differ because the format differs (checksummed,
/// 16-byte aligned records, a 1 KiB header, 4096 bytes at least): the tests check the policy, not upstream's byte counts.
/// </summary>
[TestFixture]
public sealed class EmmapQueuePortTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static byte[] T(string term) => Encoding.UTF8.GetBytes(term);

    private static string S(byte[]? bytes) => bytes is null ? "nil" : Encoding.UTF8.GetString(bytes);

    [Test]
    public void SpscQueueTest_PortedToThisApi_Passes()
    {
        string file = _dir.File("queue1.bin");
        using (MappedQueue q = MappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true }))
        {
            File.Exists(file).ShouldBeTrue();
            q.PeekFront().ShouldBeNull();
            q.PeekBack().ShouldBeNull();

            q.Push(T("a"));
            QueueMetadata meta = q.GetMetadata();
            (meta.Head, meta.Tail, meta.FileSize).ShouldBe((0L, 32L, 4096L));
            S(q.PeekFront()).ShouldBe("a");
            S(q.PeekBack()).ShouldBe("a");

            q.Push(T("b"));
            S(q.PeekFront()).ShouldBe("a");
            S(q.PeekBack()).ShouldBe("b");
            foreach (string term in new[] { "c", "1", "2", "3" })
            {
                q.Push(T(term));
            }

            // peek(Q, [], cons) reversed: head to tail.
            q.Peek(string.Empty, (ReadOnlySpan<byte> item, ref string acc) => { acc += Encoding.UTF8.GetString(item); return true; }).ShouldBe("abc123");
            meta = q.GetMetadata();
            (meta.Head, meta.Tail).ShouldBe((0L, 6 * 32L));
            q.Count.ShouldBe(6);

            S(q.Pop()).ShouldBe("a");
            q.IsEmpty.ShouldBeFalse();
            S(q.Pop()).ShouldBe("b");
            S(q.Pop()).ShouldBe("c");
            S(q.Pop()).ShouldBe("1");
            S(q.PeekFront()).ShouldBe("2");
            q.TryPop(item => S(item.ToArray()), out string? two).ShouldBeTrue();
            two.ShouldBe("2");
            Should.Throw<InvalidOperationException>(() => q.TryPop<string>(_ => throw new InvalidOperationException("failed"), out _)).Message.ShouldBe("failed");
            S(q.Pop()).ShouldBe("3");
            q.IsEmpty.ShouldBeTrue();
            q.Pop().ShouldBeNull();
            meta = q.GetMetadata();
            meta.Head.ShouldBe(meta.Tail);
            q.Purge().ShouldBeTrue();
            q.IsEmpty.ShouldBeTrue();

            foreach (string term in new[] { "a", "b", "1", "2" })
            {
                q.Push(T(term));
            }

            q.PopWhile(string.Empty, (ReadOnlySpan<byte> item, ref string acc) => { acc += Encoding.UTF8.GetString(item) + ","; return true; }).ShouldBe("a,b,1,2,");
            q.IsEmpty.ShouldBeTrue();

            // Upstream pushes a 128-character string with compression 9, 6 and 1; here the serializer is the caller's.
            string text = new('x', 128);
            using (var typed = new MappedQueue<string>(q, QueueSerializer.Utf8, leaveOpen: true))
            {
                typed.Push(text);
                typed.Push(text + "y");
                typed.Push(text + "z");
                foreach (string expected in new[] { text, text + "y", text + "z" })
                {
                    typed.TryPop(out string? popped).ShouldBeTrue();
                    popped.ShouldBe(expected);
                }

                typed.TryPop(out _).ShouldBeFalse();
            }

            q.Flush();
            q.IsEmpty.ShouldBeTrue();
            q.Push(T("x"));
            q.Erase();
            q.IsEmpty.ShouldBeTrue();
        }

        File.Exists(file).ShouldBeFalse();
    }

    [Test]
    public void Push_GrowingQueue_GrowsByPolicy()
    {
        // Upstream: a 64-byte queue and five 24-byte records grow it to 256 (64 -> 128 -> 256).
        using MappedQueue q = MappedQueue.Open(_dir.File("g.bin"), 4096);
        byte[] record = new byte[1000 - 16];
        for (int i = 0; i < 5; i++)
        {
            q.Push(record);
        }

        q.GetMetadata().FileSize.ShouldBe(8192);
        q.Count.ShouldBe(5);
    }

    [Test]
    public void Push_FixedQueue_FullExactlyWhenRingIsUsed()
    {
        // Upstream: a fixed 64-byte queue takes 2 records of 24 bytes exactly, the 3rd is {error, full}.
        using MappedQueue q = MappedQueue.Open(_dir.File("f.bin"), 4096, new QueueOptions { FixedSize = true });
        byte[] third = new byte[1024 - 16];
        q.Push(third);
        q.Push(third);
        q.Push(third);
        q.GetMetadata().FreeBytes.ShouldBe(0);

        Should.Throw<QueueFullException>(() => q.Push([]));
        q.TryPush([]).ShouldBeFalse();
        q.Count.ShouldBe(3);
    }
}
