using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// Every <see cref="Stream"/> member, with valid and invalid arguments, on streams opened read-write, read-only, write-only, for
/// appending, over an empty file and after disposal: the result or exception type (for asynchronous members, whether it is
/// thrown at the call or carried by the task), the position and length afterwards and the bytes left on disk all match
/// <see cref="FileStream"/>'s.
/// </summary>
[TestFixture]
public sealed class StreamMemberDifferentialTests
{
    private static readonly byte[] s_content = "0123456789"u8.ToArray();

    private Twins _twins = null!;

    public enum Opening
    {
        ReadWrite,
        ReadOnly,
        WriteOnly,
        Append,
        Empty,
        Disposed,
    }

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    public static IEnumerable<TestCaseData> Cases() =>
        from call in Calls()
        from setup in Enum.GetValues<Opening>()
        select new TestCaseData(call, setup).SetArgDisplayNames(call.Name, setup.ToString());

    [TestCaseSource(nameof(Cases))]
    public void Member_OnEachKindOfStream_MatchesFileStream(StreamCall call, Opening setup)
    {
        _twins.Seed(setup == Opening.Empty ? [] : s_content);

        string expected = Run(StreamKind.FileStream, call, setup);
        string actual = Run(StreamKind.Mapped, call, setup);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    private string Run(StreamKind kind, StreamCall call, Opening setup)
    {
        Stream stream = setup switch
        {
            Opening.ReadOnly => _twins.Open(kind, FileMode.Open, FileAccess.Read),
            Opening.WriteOnly => _twins.Open(kind, FileMode.Open, FileAccess.Write),
            Opening.Append => _twins.Open(kind, FileMode.Append, FileAccess.Write),
            _ => _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite),
        };
        if (setup == Opening.Disposed)
        {
            stream.Dispose();
        }

        using (stream)
        {
            string outcome = Outcome.Of(() => call.Invoke(stream)).Text;
            string after = Outcome.Of(() => $"Position={stream.Position} Length={stream.Length}").Text;
            return $"{outcome} | {after} | CanRead={stream.CanRead} CanWrite={stream.CanWrite} CanSeek={stream.CanSeek}";
        }
    }

    private static IEnumerable<StreamCall> Calls()
    {
        CancellationToken cancelled = new(canceled: true);

        // Reading.
        yield return Call("Read(byte[], 0, 4)", s => ReadInto(new byte[4], b => s.Read(b, 0, 4)));
        yield return Call("Read(byte[], 2, 4) into 8", s => ReadInto(new byte[8], b => s.Read(b, 2, 4)));
        yield return Call("Read(byte[], 0, 20) past the end", s => ReadInto(new byte[20], b => s.Read(b, 0, 20)));
        yield return Call("Read(null, 0, 1)", s => s.Read(null!, 0, 1));
        yield return Call("Read(byte[], -1, 1)", s => s.Read(new byte[4], -1, 1));
        yield return Call("Read(byte[], 0, -1)", s => s.Read(new byte[4], 0, -1));
        yield return Call("Read(byte[], 3, 3) into 4", s => s.Read(new byte[4], 3, 3));
        yield return Call("Read(Span 4)", s => ReadInto(new byte[4], b => s.Read(b.AsSpan())));
        yield return Call("Read(empty Span)", s => s.Read(Span<byte>.Empty));
        yield return Call("ReadByte", s => s.ReadByte());
        yield return Call("ReadByte at the end", s => { s.Seek(0, SeekOrigin.End); return s.ReadByte(); });
        yield return Call("ReadExactly(4)", s => ReadInto(new byte[4], b => { s.ReadExactly(b); return 4; }));
        yield return Call("ReadExactly(20)", s => ReadInto(new byte[20], b => { s.ReadExactly(b); return 20; }));
        yield return Call("ReadAtLeast(4, of 20)", s => ReadInto(new byte[20], b => s.ReadAtLeast(b, 4, throwOnEndOfStream: false)));
        yield return Call("ReadAsync(byte[], 0, 4)", s => s.ReadAsync(new byte[4], 0, 4));
        yield return Call("ReadAsync(null, 0, 1)", s => s.ReadAsync(null!, 0, 1));
        yield return Call("ReadAsync(byte[], 0, 9) into 4", s => s.ReadAsync(new byte[4], 0, 9));
        yield return Call("ReadAsync(byte[]) cancelled", s => s.ReadAsync(new byte[4], 0, 4, cancelled));
        yield return Call("ReadAsync(Memory 4)", s => s.ReadAsync(new byte[4].AsMemory()).AsTask());
        yield return Call("ReadAsync(Memory) cancelled", s => s.ReadAsync(new byte[4].AsMemory(), cancelled).AsTask());
        yield return Call("BeginRead/EndRead", s => s.EndRead(s.BeginRead(new byte[4], 0, 4, null, null)));
        yield return Call("BeginRead(null)", s => s.BeginRead(null!, 0, 4, null, null));
        yield return Call("EndRead(null)", s => s.EndRead(null!));

        // Writing.
        yield return Call("Write(byte[], 0, 3)", s => { s.Write("abc"u8.ToArray(), 0, 3); return null; });
        yield return Call("Write(byte[], 1, 2)", s => { s.Write("abc"u8.ToArray(), 1, 2); return null; });
        yield return Call("Write(null, 0, 1)", s => { s.Write(null!, 0, 1); return null; });
        yield return Call("Write(byte[], 2, 5) from 4", s => { s.Write(new byte[4], 2, 5); return null; });
        yield return Call("Write(Span 3)", s => { s.Write("xyz"u8); return null; });
        yield return Call("Write(empty Span)", s => { s.Write(ReadOnlySpan<byte>.Empty); return null; });
        yield return Call("Write(20 bytes) past the end", s => { s.Write(Enumerable.Range(0, 20).Select(i => (byte)i).ToArray()); return null; });
        yield return Call("WriteByte", s => { s.WriteByte(0x42); return null; });
        yield return Call("WriteAsync(byte[], 0, 3)", s => s.WriteAsync("abc"u8.ToArray(), 0, 3));
        yield return Call("WriteAsync(null, 0, 1)", s => s.WriteAsync(null!, 0, 1));
        yield return Call("WriteAsync(byte[]) cancelled", s => s.WriteAsync("abc"u8.ToArray(), 0, 3, cancelled));
        yield return Call("WriteAsync(Memory 3)", s => s.WriteAsync("abc"u8.ToArray().AsMemory()).AsTask());
        yield return Call("WriteAsync(Memory) cancelled", s => s.WriteAsync("abc"u8.ToArray().AsMemory(), cancelled).AsTask());
        yield return Call("BeginWrite/EndWrite", s => { s.EndWrite(s.BeginWrite("abc"u8.ToArray(), 0, 3, null, null)); return null; });
        yield return Call("BeginWrite(null)", s => s.BeginWrite(null!, 0, 3, null, null));
        yield return Call("EndWrite(null)", s => { s.EndWrite(null!); return null; });

        // Positioning and length.
        yield return Call("Position", s => s.Position);
        yield return Call("Position = 4", s => s.Position = 4);
        yield return Call("Position = 12, past the end", s => s.Position = 12);
        yield return Call("Position = -1", s => s.Position = -1);
        yield return Call("Position = 9 then 0", s => { s.Position = 9; s.Position = 0; return s.Position; });
        yield return Call("Length", s => s.Length);
        yield return Call("Seek(3, Begin)", s => s.Seek(3, SeekOrigin.Begin));
        yield return Call("Seek(-2, End)", s => s.Seek(-2, SeekOrigin.End));
        yield return Call("Seek(2, End)", s => s.Seek(2, SeekOrigin.End));
        yield return Call("Seek(2, Current) twice", s => { s.Seek(2, SeekOrigin.Current); return s.Seek(2, SeekOrigin.Current); });
        yield return Call("Seek(-1, Begin)", s => s.Seek(-1, SeekOrigin.Begin));
        yield return Call("Seek(-11, End)", s => s.Seek(-11, SeekOrigin.End));
        yield return Call("Seek(0, (SeekOrigin)7)", s => s.Seek(0, (SeekOrigin)7));
        yield return Call("Seek(long.MaxValue, Current) from 5", s => { s.Seek(5, SeekOrigin.Begin); return s.Seek(long.MaxValue, SeekOrigin.Current); });
        yield return Call("Seek(20, Begin) then write", s => { s.Seek(20, SeekOrigin.Begin); s.Write("gap"u8); return s.Length; });
        yield return Call("Seek(20, Begin) then read", s => { s.Seek(20, SeekOrigin.Begin); return s.ReadByte(); });
        yield return Call("SetLength(20)", s => { s.SetLength(20); return s.Length; });
        yield return Call("SetLength(4)", s => { s.SetLength(4); return s.Length; });
        yield return Call("SetLength(10)", s => { s.SetLength(10); return s.Length; });
        yield return Call("SetLength(0)", s => { s.SetLength(0); return s.Length; });
        yield return Call("SetLength(-1)", s => { s.SetLength(-1); return s.Length; });
        yield return Call("SetLength(long.MaxValue)", s => { s.SetLength(long.MaxValue); return s.Length; });
        yield return Call("SetLength(4) with Position 8", s => { s.Position = 8; s.SetLength(4); return s.Position; });
        yield return Call("SetLength(14) then write at 12", s => { s.SetLength(14); s.Position = 12; s.Write("zz"u8); return s.Length; });

        // Flushing.
        yield return Call("Flush()", s => { s.Flush(); return null; });
        yield return Call("Flush(true)", s => { Twins.FlushToDisk(s); return null; });
        yield return Call("FlushAsync()", s => s.FlushAsync());
        yield return Call("FlushAsync() cancelled", s => s.FlushAsync(cancelled));

        // Copying.
        yield return Call("CopyTo(MemoryStream)", s => CopiedBy(d => s.CopyTo(d)));
        yield return Call("CopyTo(MemoryStream, 3)", s => CopiedBy(d => s.CopyTo(d, 3)));
        yield return Call("CopyTo(null)", s => { s.CopyTo(null!); return null; });
        yield return Call("CopyTo(MemoryStream, 0)", s => CopiedBy(d => s.CopyTo(d, 0)));
        yield return Call("CopyTo(read-only MemoryStream)", s => { s.CopyTo(new MemoryStream(new byte[64], writable: false)); return null; });
        yield return Call("CopyTo(disposed MemoryStream)", s => { s.CopyTo(Disposed()); return null; });
        yield return Call("CopyTo from position 7", s => { s.Position = 7; return CopiedBy(d => s.CopyTo(d)); });
        yield return Call("CopyToAsync(MemoryStream)", s => CopiedByAsync(d => s.CopyToAsync(d)));
        yield return Call("CopyToAsync(MemoryStream) task", s => s.CopyToAsync(new MemoryStream()));
        yield return Call("CopyToAsync(null)", s => s.CopyToAsync(null!));
        yield return Call("CopyToAsync(MemoryStream, 0)", s => s.CopyToAsync(new MemoryStream(), 0));
        yield return Call("CopyToAsync(read-only MemoryStream)", s => s.CopyToAsync(new MemoryStream(new byte[64], writable: false)));
        yield return Call("CopyToAsync(disposed MemoryStream)", s => s.CopyToAsync(Disposed()));
        yield return Call("CopyToAsync cancelled", s => s.CopyToAsync(new MemoryStream(), 81920, cancelled));

        // Capabilities, timeouts, disposal.
        yield return Call("CanRead, CanWrite, CanSeek, CanTimeout", s => $"{s.CanRead} {s.CanWrite} {s.CanSeek} {s.CanTimeout}");
        yield return Call("ReadTimeout", s => s.ReadTimeout);
        yield return Call("WriteTimeout = 5", s => s.WriteTimeout = 5);
        yield return Call("Dispose twice", s => { s.Dispose(); s.Dispose(); return s.CanRead; });
        yield return Call("DisposeAsync", s => s.DisposeAsync().AsTask());
        yield return Call("Close then Length", s => { s.Close(); return s.Length; });
    }

    private static StreamCall Call(string name, Func<Stream, object?> invoke) => new(name, invoke);

    private static string ReadInto(byte[] buffer, Func<byte[], int> read)
    {
        int count = read(buffer);
        return $"{count} {Convert.ToHexString(buffer)}";
    }

    private static string CopiedBy(Action<MemoryStream> copy)
    {
        var destination = new MemoryStream();
        copy(destination);
        return Convert.ToHexString(destination.ToArray());
    }

    private static string CopiedByAsync(Func<MemoryStream, System.Threading.Tasks.Task> copy)
    {
        var destination = new MemoryStream();
        copy(destination).GetAwaiter().GetResult();
        return Convert.ToHexString(destination.ToArray());
    }

    private static MemoryStream Disposed()
    {
        var stream = new MemoryStream();
        stream.Dispose();
        return stream;
    }
}
