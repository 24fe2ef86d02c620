using System;
using System.Buffers;
using System.IO;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>emmap's own EUnit tests (<c>simple_test</c>, <c>shared_test</c>), step by step with this API.</summary>
[TestFixture]
public sealed class EmmapSuiteTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void SimpleTest_EmmapSequence_GivesEmmapsResults()
    {
        // 1. Write "abcd0123" with the plain file API.
        string path = _directory.File("test.data");
        File.WriteAllBytes(path, "abcd0123"u8.ToArray());

        // 2. open(F, 0, 8, [direct, shared, nolock]): read-only.
        var file1 = MappedFileStream.Open(path, 0, 8, new MapOptions { Direct = true });
        file1.Length.ShouldBe(8);

        // 3. pread(2, 2) -> "cd", bound as Mem; pwrite on the read-only map -> eacces.
        IMemoryOwner<byte> mem = file1.ReadAt(2, 2);
        mem.Memory.ToArray().ShouldBe("cd"u8.ToArray());
        Should.Throw<NotSupportedException>(() => file1.WriteAt(2, "xx"u8));

        // 4. A second, writable handle writes "xx" at 2: the first handle and the bound Mem see it.
        var file2 = MappedFileStream.Open(path, 0, 8, new MapOptions { Access = FileAccess.ReadWrite });
        file2.Length.ShouldBe(8);
        file2.WriteAt(2, "xx"u8);
        using (IMemoryOwner<byte> again = file1.ReadAt(2, 2))
        {
            again.Memory.ToArray().ShouldBe("xx"u8.ToArray());
        }

        mem.Memory.ToArray().ShouldBe("xx"u8.ToArray());

        // 5. position(cur, 0) -> 0; read(2) -> "ab", then "xx".
        file1.Seek(0, SeekOrigin.Current).ShouldBe(0);
        byte[] two = new byte[2];
        file1.Read(two).ShouldBe(2);
        two.ShouldBe("ab"u8.ToArray());
        file1.Read(two).ShouldBe(2);
        two.ShouldBe("xx"u8.ToArray());

        // 6. pwrite <<0:64>> at 0 via file2; pread 8 via file1 -> <<0:64>>.
        file2.WriteAt(0, new byte[8]);
        byte[] eight = new byte[8];
        file1.ReadAt(0, eight).ShouldBe(8);
        eight.ShouldBe(new byte[8]);

        // 7. The atomics on file2 at position 0, each returning the old value.
        file2.AtomicAdd(0, 10).ShouldBe(0);
        file2.AtomicAdd(0, 10).ShouldBe(10);
        file2.AtomicSubtract(0, 5).ShouldBe(20);
        file2.AtomicSubtract(0, 12).ShouldBe(15);
        file2.AtomicAnd(0, 7).ShouldBe(3);
        file2.AtomicOr(0, 7).ShouldBe(3);
        file2.AtomicXor(0, 9).ShouldBe(7);
        file2.AtomicExchange(0, 10).ShouldBe(14);
        file2.AtomicExchange(0, 0).ShouldBe(10);
        file2.AtomicCompareExchange(0, 20, 0).ShouldBe(0);   // {true, 0}
        file2.AtomicCompareExchange(0, 20, 10).ShouldBe(20); // {false, 20}
        file2.AtomicCompareExchange(0, 0, 20).ShouldBe(20);  // {true, 20}

        // 8. Close both; reopen with [direct, read, write, shared]: exists, 8 bytes of zeros.
        file1.Dispose();
        file2.Dispose();
        mem.Dispose();
        using (var file3 = MappedFileStream.Open(path, 0, 8, new MapOptions { Access = FileAccess.ReadWrite, Direct = true }))
        {
            file3.Existed.ShouldBeTrue();
            file3.Length.ShouldBe(8);
            using IMemoryOwner<byte> all = file3.ReadAt(0, 8);
            all.Memory.ToArray().ShouldBe(new byte[8]);
        }

        File.Delete(path);
        File.Exists(path).ShouldBeFalse();
    }

    [Test]
    public async Task SharedTest_TwoOpeners_BoundViewSeesTheOtherWrite()
    {
        string path = _directory.File("test.data");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 8, Direct = true };

        // Two independent openers (emmap: two Erlang processes), each on its own thread.
        using MappedFileStream p1 = await Task.Run(() => MappedFileStream.Open(path, options));
        using MappedFileStream p2 = await Task.Run(() => MappedFileStream.Open(path, options));
        p1.Length.ShouldBe(8);
        p2.Length.ShouldBe(8);

        await Task.Run(() => p1.WriteAt(0, "test1"u8));
        using IMemoryOwner<byte> bin = await Task.Run(() => p2.ReadAt(0, 5));
        bin.Memory.ToArray().ShouldBe("test1"u8.ToArray());

        await Task.Run(() => p1.WriteAt(0, "test2"u8));

        bin.Memory.ToArray().ShouldBe("test2"u8.ToArray());
    }
}
