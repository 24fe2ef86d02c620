using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// <see cref="MappedFileStream.ReadAt(long, Span{byte})"/>, <see cref="MappedFileStream.WriteAt(long, ReadOnlySpan{byte})"/>, their
/// asynchronous and scatter/gather forms against <see cref="RandomAccess"/> on a file handle, and
/// <see cref="MappedFileStream.ReadExactlyAt(long, Span{byte})"/> against <see cref="Stream.ReadExactly(Span{byte})"/> after a seek: same results, same exceptions at the
/// call or in the task, same bytes on disk. Two intended differences: where <see cref="RandomAccess"/> reports a handle opened without
/// the access as <see cref="UnauthorizedAccessException"/> (the system's <c>EBADF</c>), a stream says
/// <see cref="NotSupportedException"/>, as every <see cref="Stream"/> does, and it does so for an empty write too; and an empty
/// exact read on a write-only stream throws that too, where <see cref="Stream.ReadExactly(Span{byte})"/> returns at once.
/// </summary>
[TestFixture]
public sealed class PositionalDifferentialTests
{
    private const string EmptyWrite = "WriteAt(12, empty) past the end";
    private const string EmptyExactRead = "ReadExactlyAt(10, empty)";

    private static readonly byte[] s_content = "0123456789"u8.ToArray();

    private Twins _twins = null!;

    public enum Opening
    {
        ReadWrite,
        ReadOnly,
        WriteOnly,
        Disposed,
    }

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    public static IEnumerable<TestCaseData> Cases() =>
        from call in Calls()
        from opening in Enum.GetValues<Opening>()
        select new TestCaseData(call, opening).SetArgDisplayNames(call.Name, opening.ToString());

    [TestCaseSource(nameof(Cases))]
    public void PositionalMember_MatchesRandomAccess(PositionalCall call, Opening opening)
    {
        _twins.Seed(s_content);
        FileAccess access = opening switch
        {
            Opening.ReadOnly => FileAccess.Read,
            Opening.WriteOnly => FileAccess.Write,
            _ => FileAccess.ReadWrite,
        };

        string expected;
        using (var file = new FileStream(_twins.FilePath, FileMode.Open, access, FileShare.Read, bufferSize: 0))
        {
            if (opening == Opening.Disposed)
            {
                file.Dispose();
            }

            expected = Outcome.Of(() => call.OnFile(file)).Text + " | " + Outcome.Of(() => RandomAccess.GetLength(file.SafeFileHandle)).Text;
        }

        string actual;
        using (var mapped = new MappedFileStream(_twins.MappedPath, FileMode.Open, access))
        {
            if (opening == Opening.Disposed)
            {
                mapped.Dispose();
            }

            actual = Outcome.Of(() => call.OnMapped(mapped)).Text + " | " + Outcome.Of(() => mapped.Length).Text;
        }

        string wanted = expected.Replace(nameof(UnauthorizedAccessException), nameof(NotSupportedException), StringComparison.Ordinal);
        if (opening == Opening.ReadOnly && call.Name == EmptyWrite)
        {
            // A read-only stream refuses every write, empty ones included (Stream's rule); RandomAccess skips an empty write unchecked.
            wanted = "throws NotSupportedException | 10";
        }

        if (opening == Opening.WriteOnly && call.Name == EmptyExactRead)
        {
            // A write-only stream refuses every read, empty ones included, as ReadAt does; Stream.ReadExactly returns at once for an empty buffer.
            wanted = "throws NotSupportedException  | 10";
        }

        actual.ShouldBe(wanted);
        _twins.ShouldMatchOnDisk();
    }

    private static IEnumerable<PositionalCall> Calls()
    {
        CancellationToken cancelled = new(canceled: true);
        yield return Read("ReadAt(2, 4)", 4, (b, f) => RandomAccess.Read(f.SafeFileHandle, b.AsSpan(), 2), (b, m) => m.ReadAt(2, b.AsSpan()));
        yield return Read("ReadAt(8, 4), clipped", 4, (b, f) => RandomAccess.Read(f.SafeFileHandle, b.AsSpan(), 8), (b, m) => m.ReadAt(8, b.AsSpan()));
        yield return Read("ReadAt(20, 4), past the end", 4, (b, f) => RandomAccess.Read(f.SafeFileHandle, b.AsSpan(), 20), (b, m) => m.ReadAt(20, b.AsSpan()));
        yield return Read("ReadAt(-1, 4)", 4, (b, f) => RandomAccess.Read(f.SafeFileHandle, b.AsSpan(), -1), (b, m) => m.ReadAt(-1, b.AsSpan()));
        yield return Read("ReadAt(0, empty)", 0, (b, f) => RandomAccess.Read(f.SafeFileHandle, b.AsSpan(), 0), (b, m) => m.ReadAt(0, b.AsSpan()));
        yield return Read("ReadExactlyAt(2, 4)", 4, (b, f) => Exactly(f, b, 2), (b, m) => { m.ReadExactlyAt(2, b); return "filled"; });
        yield return Read(EmptyExactRead, 0, (b, f) => Exactly(f, b, 10), (b, m) => { m.ReadExactlyAt(10, b); return "filled"; });
        yield return Read("ReadExactlyAt(-1, 4)", 4, (b, f) => Exactly(f, b, -1), (b, m) => { m.ReadExactlyAt(-1, b); return "filled"; });
        yield return Read("ReadExactlyAt(-1, empty)", 0, (b, f) => Exactly(f, b, -1), (b, m) => { m.ReadExactlyAt(-1, b); return "filled"; });
        yield return Write("ReadExactlyAt(8, 4), past the end", f => Exactly(f, new byte[4], 8), m => { m.ReadExactlyAt(8, new byte[4]); return "filled"; });
        yield return Write("ReadExactlyAt(20, 4), past the end", f => Exactly(f, new byte[4], 20), m => { m.ReadExactlyAt(20, new byte[4]); return "filled"; });
        yield return Write("WriteAt(3, abc)", f => RandomAccess.Write(f.SafeFileHandle, "abc"u8, 3), m => m.WriteAt(3, "abc"u8));
        yield return Write("WriteAt(20, gap), growing", f => RandomAccess.Write(f.SafeFileHandle, "gap"u8, 20), m => m.WriteAt(20, "gap"u8));
        yield return Write("WriteAt(-1, abc)", f => RandomAccess.Write(f.SafeFileHandle, "abc"u8, -1), m => m.WriteAt(-1, "abc"u8));
        yield return Write(EmptyWrite, f => RandomAccess.Write(f.SafeFileHandle, ReadOnlySpan<byte>.Empty, 12), m => m.WriteAt(12, ReadOnlySpan<byte>.Empty));
        yield return Read("ReadAtAsync(2, 4)", 4, (b, f) => RandomAccess.ReadAsync(f.SafeFileHandle, b.AsMemory(), 2).AsTask(), (b, m) => m.ReadAtAsync(2, b.AsMemory()).AsTask());
        yield return Read("ReadAtAsync(-1, 4)", 4, (b, f) => RandomAccess.ReadAsync(f.SafeFileHandle, b.AsMemory(), -1).AsTask(), (b, m) => m.ReadAtAsync(-1, b.AsMemory()).AsTask());
        yield return Read(
            "ReadAtAsync cancelled", 4, (b, f) => RandomAccess.ReadAsync(f.SafeFileHandle, b.AsMemory(), 2, cancelled).AsTask(), (b, m) => m.ReadAtAsync(2, b.AsMemory(), cancelled).AsTask());
        yield return Write(
            "WriteAtAsync(20, gap)", f => RandomAccess.WriteAsync(f.SafeFileHandle, "gap"u8.ToArray(), 20).AsTask(), m => m.WriteAtAsync(20, "gap"u8.ToArray()).AsTask());
        yield return Write(
            "WriteAtAsync(-1, gap)", f => RandomAccess.WriteAsync(f.SafeFileHandle, "gap"u8.ToArray(), -1).AsTask(), m => m.WriteAtAsync(-1, "gap"u8.ToArray()).AsTask());
        yield return Write(
            "WriteAtAsync cancelled",
            f => RandomAccess.WriteAsync(f.SafeFileHandle, "gap"u8.ToArray(), 2, cancelled).AsTask(),
            m => m.WriteAtAsync(2, "gap"u8.ToArray(), cancelled).AsTask());
        yield return Scatter("ReadAt(1, [2, 3, 20]) scatter", f => b => RandomAccess.Read(f.SafeFileHandle, b, 1), m => b => m.ReadAt(1, b));
        yield return Scatter("ReadAt(9, [2, 3, 20]) scatter, clipped", f => b => RandomAccess.Read(f.SafeFileHandle, b, 9), m => b => m.ReadAt(9, b));
        yield return Scatter("ReadAt(-1, ...) scatter", f => b => RandomAccess.Read(f.SafeFileHandle, b, -1), m => b => m.ReadAt(-1, b));
        yield return Scatter("ReadAtAsync(1, ...) scatter", f => b => RandomAccess.ReadAsync(f.SafeFileHandle, b, 1).AsTask(), m => b => m.ReadAtAsync(1, b).AsTask());
        yield return Scatter(
            "ReadAtAsync scatter cancelled", f => b => RandomAccess.ReadAsync(f.SafeFileHandle, b, 1, cancelled).AsTask(), m => b => m.ReadAtAsync(1, b, cancelled).AsTask());
        yield return new PositionalCall(
            "ReadAt(0, null) scatter",
            f => RandomAccess.Read(f.SafeFileHandle, (IReadOnlyList<Memory<byte>>)null!, 0),
            m => m.ReadAt(0, (IReadOnlyList<Memory<byte>>)null!));
        yield return Gather(
            "WriteAt(8, [ab, empty, cd]) gather", f => b => { RandomAccess.Write(f.SafeFileHandle, b, 8); return null; }, m => b => { m.WriteAt(8, b); return null; });
        yield return Gather(
            "WriteAt(-1, ...) gather", f => b => { RandomAccess.Write(f.SafeFileHandle, b, -1); return null; }, m => b => { m.WriteAt(-1, b); return null; });
        yield return Gather("WriteAtAsync(30, ...) gather", f => b => RandomAccess.WriteAsync(f.SafeFileHandle, b, 30).AsTask(), m => b => m.WriteAtAsync(30, b).AsTask());
        yield return Gather(
            "WriteAtAsync gather cancelled", f => b => RandomAccess.WriteAsync(f.SafeFileHandle, b, 3, cancelled).AsTask(), m => b => m.WriteAtAsync(3, b, cancelled).AsTask());
        yield return new PositionalCall(
            "WriteAt(0, null) gather",
            f => { RandomAccess.Write(f.SafeFileHandle, (IReadOnlyList<ReadOnlyMemory<byte>>)null!, 0); return null; },
            m => { m.WriteAt(0, (IReadOnlyList<ReadOnlyMemory<byte>>)null!); return null; });
    }

    // The BCL's own exact read, at a position: Stream.ReadExactly after a seek, the position put back.
    private static string Exactly(FileStream file, byte[] buffer, long position)
    {
        long saved = file.Position;
        file.Position = position;
        try
        {
            file.ReadExactly(buffer);
        }
        finally
        {
            file.Position = saved;
        }

        return "filled";
    }

    private static PositionalCall Read(string name, int size, Func<byte[], FileStream, object> onFile, Func<byte[], MappedFileStream, object> onMapped) => new(
        name,
        f => Filled(size, b => onFile(b, f)),
        m => Filled(size, b => onMapped(b, m)));

    private static PositionalCall Write(string name, Action<FileStream> onFile, Action<MappedFileStream> onMapped) => new(
        name,
        f => { onFile(f); return null; },
        m => { onMapped(m); return null; });

    private static PositionalCall Write(string name, Func<FileStream, object> onFile, Func<MappedFileStream, object> onMapped) => new(name, onFile, onMapped);

    private static PositionalCall Scatter(
        string name, Func<FileStream, Func<IReadOnlyList<Memory<byte>>, object>> onFile, Func<MappedFileStream, Func<IReadOnlyList<Memory<byte>>, object>> onMapped) => new(
        name,
        f => ScatterInto(onFile(f)),
        m => ScatterInto(onMapped(m)));

    private static PositionalCall Gather(
        string name, Func<FileStream, Func<IReadOnlyList<ReadOnlyMemory<byte>>, object?>> onFile, Func<MappedFileStream, Func<IReadOnlyList<ReadOnlyMemory<byte>>, object?>> onMapped)
    {
        ReadOnlyMemory<byte>[] buffers = ["ab"u8.ToArray(), ReadOnlyMemory<byte>.Empty, "cd"u8.ToArray()];
        return new(name, f => onFile(f)(buffers), m => onMapped(m)(buffers));
    }

    private static string Filled(int size, Func<byte[], object> read)
    {
        byte[] buffer = new byte[size];
        string result = Outcome.Of(() => read(buffer)).Text;
        return $"{result} {Convert.ToHexString(buffer)}";
    }

    private static string ScatterInto(Func<IReadOnlyList<Memory<byte>>, object> read)
    {
        byte[][] buffers = [new byte[2], new byte[3], new byte[20]];
        string result = Outcome.Of(() => read(buffers.Select(b => new Memory<byte>(b)).ToArray())).Text;
        return $"{result} {string.Join(",", buffers.Select(Convert.ToHexString))}";
    }
}
