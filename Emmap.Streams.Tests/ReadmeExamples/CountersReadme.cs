using System.Collections.Generic;
using System.IO;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's counters and atomics samples, compiled and run twice in a row (quoted verbatim, using directives aside).</summary>
[TestFixture]
public sealed class CountersReadme
{
    [Test]
    public void Counters_RunTwice_PrintTheReadmeLineEachTime()
    {
        Sample();
        Sample();

        void Sample()
        {
            string countersPath = Path.Combine(Path.GetTempPath(), "mem.bin");
            File.Delete(countersPath);                            // a new file, so that the values are emmap's README values
            using var f = MappedCounters.Open(countersPath, 2);  // emmap:open_counters/2: create, or open with its values
            long n1 = f.Increment(0);                             // 0: updates return the value BEFORE the change
            long n2 = f.Increment(0, 5);                          // 1
            long n3 = f.Increment(0);                             // 6
            long n4 = f.Increment(0, 2);                          // 7
            long n5 = f.Set(0, 15);                               // 9
            long n6 = f.Read(0);                                  // 15
            string line = $"N1={n1}, N2={n2}, N3={n3}, N4={n4}, N5={n5}, N6={n6}";
            f.Flush(flushToDisk: true);                           // survive power loss too (process death needs no flush)

            // README promises:
            line.ShouldBe("N1=0, N2=1, N3=6, N4=7, N5=9, N6=15");
        }
    }

    [Test]
    public void Atomics_RunTwice_ReturnOldValuesAndCompareLikeInterlocked()
    {
        var olds = new List<long>();
        var wins = new List<bool>();
        Sample();
        Sample();

        // README promises: the cells persist, so the second run sees what the first one left.
        olds.ShouldBe(new long[] { 0, 1 });
        wins.ShouldBe(new[] { true, false });

        void Sample()
        {
            string flagsPath = Path.Combine(Path.GetTempPath(), "flags.bin");
            var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4096 };
            using var mem = MappedFileStream.Open(flagsPath, options);
            long old = mem.AtomicAdd(0, 1);                       // emmap:patomic_add: the old value
            bool won = mem.AtomicCompareExchange(8, 1, 0) == 0;   // (position, value, comparand), like Interlocked

            olds.Add(old);
            wins.Add(won);
        }
    }
}
