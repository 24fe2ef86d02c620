using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// The README's counters and atomics snippets, compiled and run, so the README cannot drift from the API.
/// Keep the code between the markers identical to README.md (only the directory differs).
/// </summary>
[TestFixture]
public sealed class CountersReadme
{
    [Test]
    public void Snippet_FreshFiles_PrintsTheReadmeLineAndSharesCells()
    {
        using var dir = new TempDirectory();

        (string line, long old, bool won) = Snippet(dir.Path);

        line.ShouldBe("N1=0, N2=1, N3=6, N4=7, N5=9, N6=15");
        old.ShouldBe(0);
        won.ShouldBeTrue();
        using var counters = MappedCounters.Open(Path.Combine(dir.Path, "mem.bin"), 0);
        counters.Read(0).ShouldBe(15);
    }

    private static (string Line, long Old, bool Won) Snippet(string directory)
    {
        string countersPath = Path.Combine(directory, "mem.bin");
        string flagsPath = Path.Combine(directory, "flags.bin");

        // README: counters
        using var f = MappedCounters.Open(countersPath, 2);  // emmap:open_counters/2: create, or open with its values
        long n1 = f.Increment(0);                             // 0: updates return the value BEFORE the change
        long n2 = f.Increment(0, 5);                          // 1
        long n3 = f.Increment(0);                             // 6
        long n4 = f.Increment(0, 2);                          // 7
        long n5 = f.Set(0, 15);                               // 9
        long n6 = f.Read(0);                                  // 15
        string line = $"N1={n1}, N2={n2}, N3={n3}, N4={n4}, N5={n5}, N6={n6}";
        f.Flush(flushToDisk: true);                           // survive power loss too (process death needs no flush)

        // README: atomics
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4096 };
        using var mem = MappedFileStream.Open(flagsPath, options);
        long old = mem.AtomicAdd(0, 1);                       // emmap:patomic_add: the old value
        bool won = mem.AtomicCompareExchange(8, 1, 0) == 0;   // (position, value, comparand), like Interlocked
        // README: end

        return (line, old, won);
    }
}
