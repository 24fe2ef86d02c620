using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Windows.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>
/// What Wine 10.0 does differently from Windows underneath the library, and how the test run copes (docs/windows-backend-notes.md,
/// §8). Wine can lose the AVX vector registers of a thread that the garbage collector suspends in the middle of a copy, so the
/// copy stores zeros instead of a 16- or 32-byte block it loaded; the suite therefore runs under Wine with AVX turned off
/// (<c>DOTNET_EnableAVX=0</c>, set by <c>eng/wine/run-tests.sh</c>). The explicit test shows the fault itself.
/// </summary>
[TestFixture]
[WindowsOnly]
public sealed unsafe class WinePlatformTests
{
    [Test]
    public void TestRun_UnderWine_HasAvxTurnedOff()
    {
        if (!Platform.IsWine)
        {
            Assert.Ignore("Only a run under Wine needs AVX turned off.");
        }

        Vector256.IsHardwareAccelerated.ShouldBeFalse(
            "Under Wine 10.0 a garbage collection can zero a thread's vector registers in the middle of a copy: " +
            "run the suite with DOTNET_EnableAVX=0, as eng/wine/run-tests.sh does.");
    }

    /// <summary>
    /// Copies a kilobyte from the stack to native memory, over and over on four threads that also allocate (so the collector
    /// suspends them often), and counts the copies that did not arrive intact. Under Wine with AVX on, a few in every hundred
    /// million lose a 32-byte block; with <c>DOTNET_EnableAVX=0</c>, and on Windows, none do. <c>EMMAP_COPY_SECONDS</c> sets
    /// the duration (default 60).
    /// </summary>
    [Test]
    [Explicit("A minute of a platform check: it tests the system under the library, not the library.")]
    public void Copies_WhileTheCollectorSuspendsThreads_ArriveIntact()
    {
        double seconds = Environment.GetEnvironmentVariable("EMMAP_COPY_SECONDS") is { Length: > 0 } s
            ? double.Parse(s, CultureInfo.InvariantCulture)
            : 60;
        long copies = 0;
        var damaged = new List<string>();
        var clock = Stopwatch.StartNew();
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int seed = t + 1;
            threads[t] = new Thread(() => Interlocked.Add(ref copies, CopyUntil(clock, seconds, seed, damaged)));
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        TestContext.Out.WriteLine(
            $"{copies} copies, {damaged.Count} damaged, {GC.CollectionCount(0)} collections, AVX {Vector256.IsHardwareAccelerated}");
        damaged.ShouldBeEmpty();
    }

    private static long CopyUntil(Stopwatch clock, double seconds, int seed, List<string> damaged)
    {
        const int Size = 1024;
        byte* target = (byte*)NativeMemory.AlignedAlloc(Size, 64);
        try
        {
            Span<byte> source = stackalloc byte[Size];
            var garbage = new List<byte[]>();
            long n = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                for (int i = 0; i < Size; i++)
                {
                    source[i] = (byte)((i * 7) + seed + n);
                }

                Unsafe.CopyBlockUnaligned(ref *target, ref MemoryMarshal.GetReference(source), Size);
                var copied = new ReadOnlySpan<byte>(target, Size);
                if (!copied.SequenceEqual(source))
                {
                    int first = copied.CommonPrefixLength(source);
                    lock (damaged)
                    {
                        damaged.Add($"copy {n} on thread {seed}: byte {first} on differ");
                    }
                }

                garbage.Add(new byte[64 + (int)(n % 200)]);
                if (garbage.Count > 1000)
                {
                    garbage.Clear();
                }

                n++;
            }

            return n;
        }
        finally
        {
            NativeMemory.AlignedFree(target);
        }
    }
}
