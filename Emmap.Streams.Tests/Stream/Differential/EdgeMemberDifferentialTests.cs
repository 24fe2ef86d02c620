using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>Every Stream member on many openings (read-write, read-only, deferred, write-only, append, empty, disposed) with edge arguments: the same result or exception (and ParamName), position, length, capabilities and bytes on disk as FileStream.</summary>
[TestFixture]
public sealed class EdgeMemberDifferentialTests
{
    private static readonly byte[] s_content = "0123456789"u8.ToArray();

    private Twins _twins = null!;

    public enum Opening
    {
        ReadWrite,
        ReadOnly,
        ReadOnlySharedAll,
        WriteOnly,
        Append,
        AppendEmpty,
        Empty,
        Create,
        Truncate,
        OpenOrCreateMissing,
        Disposed,
        DisposedReadOnly,
        DisposedWriteOnly,
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
    public void Member_EdgeCases_MatchFileStreamIncludingParamName(StreamCall call, Opening setup)
    {
        _twins.Seed(setup switch
        {
            Opening.Empty or Opening.AppendEmpty => [],
            Opening.OpenOrCreateMissing => null,
            _ => s_content,
        });

        string expected = Run(StreamKind.FileStream, call, setup);
        string actual = Run(StreamKind.Mapped, call, setup);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    internal static string Describe(Func<object?> call)
    {
        object? result;
        try
        {
            result = call();
        }
        catch (Exception ex)
        {
            return "throws " + Name(ex);
        }

        return result switch
        {
            null => "null",
            Task<int> task => "task " + Settle(task, () => task.Result.ToString()),
            Task task => "task " + Settle(task, () => "done"),
            ValueTask<int> task => "task " + Settle(task.AsTask(), () => task.Result.ToString()),
            ValueTask task => "task " + Settle(task.AsTask(), () => "done"),
            _ => result.ToString() ?? "null",
        };
    }

    internal static string Name(Exception ex) => ex switch
    {
        ArgumentException arg => $"{ex.GetType().Name}({arg.ParamName ?? "null"})",
        _ => ex.GetType().Name,
    };

    private static string Settle(Task task, Func<string> value)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (task.IsCanceled)
        {
            return "canceled";
        }
        catch (Exception ex)
        {
            return "faulted " + Name(ex);
        }

        return "= " + value();
    }

    private string Run(StreamKind kind, StreamCall call, Opening setup)
    {
        Stream stream = setup switch
        {
            Opening.ReadOnly or Opening.DisposedReadOnly => _twins.Open(kind, FileMode.Open, FileAccess.Read),
            Opening.ReadOnlySharedAll => _twins.Open(kind, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete),
            Opening.WriteOnly or Opening.DisposedWriteOnly => _twins.Open(kind, FileMode.Open, FileAccess.Write),
            Opening.Append or Opening.AppendEmpty => _twins.Open(kind, FileMode.Append, FileAccess.Write),
            Opening.Create => _twins.Open(kind, FileMode.Create, FileAccess.ReadWrite),
            Opening.Truncate => _twins.Open(kind, FileMode.Truncate, FileAccess.ReadWrite),
            Opening.OpenOrCreateMissing => _twins.Open(kind, FileMode.OpenOrCreate, FileAccess.ReadWrite),
            _ => _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite),
        };
        if (setup is Opening.Disposed or Opening.DisposedReadOnly or Opening.DisposedWriteOnly)
        {
            stream.Dispose();
        }

        using (stream)
        {
            string outcome = Describe(() => call.Invoke(stream));
            string after = Describe(() => $"Position={stream.Position} Length={stream.Length}");
            return $"{outcome} | {after} | CanRead={stream.CanRead} CanWrite={stream.CanWrite} CanSeek={stream.CanSeek}";
        }
    }

    private static IEnumerable<StreamCall> Calls()
    {
        CancellationToken cancelled = new(canceled: true);

        yield return Call("Read(null, 0, 1)", s => s.Read(null!, 0, 1));
        yield return Call("Read(byte[], -1, 1)", s => s.Read(new byte[4], -1, 1));
        yield return Call("Read(byte[], 0, -1)", s => s.Read(new byte[4], 0, -1));
        yield return Call("Read(byte[], 5, 0) into 4", s => s.Read(new byte[4], 5, 0));
        yield return Call("Read(byte[], 4, 0) into 4", s => s.Read(new byte[4], 4, 0));
        yield return Call("Read(byte[], 0, 0)", s => s.Read(new byte[4], 0, 0));
        yield return Call("Write(null, 0, 1)", s => { s.Write(null!, 0, 1); return null; });
        yield return Call("Write(byte[], -1, 1)", s => { s.Write(new byte[4], -1, 1); return null; });
        yield return Call("Write(byte[], 0, -1)", s => { s.Write(new byte[4], 0, -1); return null; });
        yield return Call("Write(byte[], 3, 2) from 4", s => { s.Write(new byte[4], 3, 2); return null; });
        yield return Call("Write(byte[], 0, 0)", s => { s.Write(new byte[4], 0, 0); return null; });
        yield return Call("ReadAsync(null)", s => s.ReadAsync(null!, 0, 1));
        yield return Call("ReadAsync(byte[], -1, 1)", s => s.ReadAsync(new byte[4], -1, 1));
        yield return Call("ReadAsync(byte[], 0, -1) cancelled", s => s.ReadAsync(new byte[4], 0, -1, cancelled));
        yield return Call("WriteAsync(byte[], 0, 9) from 4", s => s.WriteAsync(new byte[4], 0, 9));
        yield return Call("WriteAsync(null) cancelled", s => s.WriteAsync(null!, 0, 1, cancelled));
        yield return Call("BeginRead(byte[], -1, 1)", s => s.BeginRead(new byte[4], -1, 1, null, null));
        yield return Call("BeginWrite(byte[], 0, 9) from 4", s => s.BeginWrite(new byte[4], 0, 9, null, null));
        yield return Call("BeginWrite(null)", s => s.BeginWrite(null!, 0, 1, null, null));
        yield return Call("EndRead twice", s => { IAsyncResult r = s.BeginRead(new byte[4], 0, 4, null, null); s.EndRead(r); return s.EndRead(r); });
        yield return Call("EndWrite twice", s => { IAsyncResult r = s.BeginWrite(new byte[4], 0, 4, null, null); s.EndWrite(r); s.EndWrite(r); return null; });
        yield return Call("EndRead(of BeginWrite)", s => s.EndRead(s.BeginWrite(new byte[4], 0, 4, null, null)));
        yield return Call("EndWrite(of BeginRead)", s => { s.EndWrite(s.BeginRead(new byte[4], 0, 4, null, null)); return null; });
        yield return Call("EndRead(foreign)", s => s.EndRead(Task.FromResult(1)));
        yield return Call("EndWrite(null)", s => { s.EndWrite(null!); return null; });
        yield return Call("BeginRead callback", s =>
        {
            using var done = new ManualResetEventSlim();
            object? seen = null;
            IAsyncResult r = s.BeginRead(new byte[4], 0, 4, ar => { seen = ar.AsyncState; done.Set(); }, "state");
            int n = s.EndRead(r);
            done.Wait(5000);
            return $"{n} {seen} {r.AsyncState} {r.IsCompleted}";
        });

        yield return Call("Position = long.MaxValue", s => s.Position = long.MaxValue);
        yield return Call("Position = long.MinValue", s => s.Position = long.MinValue);
        yield return Call("Position = 0", s => s.Position = 0);
        yield return Call("Position = 10", s => s.Position = 10);
        yield return Call("Position = 1 << 40", s => s.Position = 1L << 40);
        yield return Call("Position = 1 << 40 then ReadByte", s => { s.Position = 1L << 40; return s.ReadByte(); });
        yield return Call("Seek(0, Begin)", s => s.Seek(0, SeekOrigin.Begin));
        yield return Call("Seek(0, Current)", s => s.Seek(0, SeekOrigin.Current));
        yield return Call("Seek(0, End)", s => s.Seek(0, SeekOrigin.End));
        yield return Call("Seek(-10, End)", s => s.Seek(-10, SeekOrigin.End));
        yield return Call("Seek(-1, End)", s => s.Seek(-1, SeekOrigin.End));
        yield return Call("Seek(-1, Current)", s => s.Seek(-1, SeekOrigin.Current));
        yield return Call("Seek(long.MinValue, Begin)", s => s.Seek(long.MinValue, SeekOrigin.Begin));
        yield return Call("Seek(long.MinValue, Current)", s => s.Seek(long.MinValue, SeekOrigin.Current));
        yield return Call("Seek(long.MinValue, End)", s => s.Seek(long.MinValue, SeekOrigin.End));
        yield return Call("Seek(long.MaxValue, Begin)", s => s.Seek(long.MaxValue, SeekOrigin.Begin));
        yield return Call("Seek(long.MaxValue, End)", s => s.Seek(long.MaxValue, SeekOrigin.End));
        yield return Call("Seek(long.MaxValue - 10, End)", s => s.Seek(long.MaxValue - 10, SeekOrigin.End));
        yield return Call("Seek(long.MaxValue - 5, End)", s => s.Seek(long.MaxValue - 5, SeekOrigin.End));
        yield return Call("Seek(-1, (SeekOrigin)3)", s => s.Seek(-1, (SeekOrigin)3));
        yield return Call("Seek(0, (SeekOrigin)(-1))", s => s.Seek(0, (SeekOrigin)(-1)));
        yield return Call("Seek(5, Begin) then Seek(-6, Current)", s => { s.Seek(5, SeekOrigin.Begin); return s.Seek(-6, SeekOrigin.Current); });
        yield return Call("Seek(3, Begin) then Seek(-3, Current)", s => { s.Seek(3, SeekOrigin.Begin); return s.Seek(-3, SeekOrigin.Current); });
        yield return Call("Seek(100, Begin) Write gap Read all", s =>
        {
            s.Seek(100, SeekOrigin.Begin);
            s.Write("x"u8);
            s.Seek(0, SeekOrigin.Begin);
            byte[] all = new byte[200];
            int n = s.ReadAtLeast(all, 200, throwOnEndOfStream: false);
            return $"{n} {Convert.ToHexString(all, 0, n)}";
        });
        yield return Call("Seek(5000, End) WriteByte", s => { s.Seek(5000, SeekOrigin.End); s.WriteByte(7); return s.Length; });
        yield return Call("SetLength(3) at position 8, then Write", s => { s.Position = 8; s.SetLength(3); s.Write("ab"u8); return s.Length; });
        yield return Call("SetLength(0) at position 8, then ReadByte", s => { s.Position = 8; s.SetLength(0); return s.ReadByte(); });
        yield return Call("SetLength(20) at position 15, then Read", s => { s.Position = 15; s.SetLength(20); return s.Read(new byte[10]); });
        yield return Call("SetLength(20) at position 25", s => { s.Position = 25; s.SetLength(20); return s.Position; });
        if (!OperatingSystem.IsWindows())
        {
            // Windows: FileStream reports a length past the file system's limit as IOException, where a mapping reports one
            // past the 16 TiB it can reach as ArgumentOutOfRangeException (docs/filestream-parity.md, difference 8).
            yield return Call("SetLength(long.MaxValue - 1)", s => { s.SetLength(long.MaxValue - 1); return s.Length; });
        }
        yield return Call("SetLength(1L << 24) then SetLength(10)", s => { s.SetLength(1L << 24); s.SetLength(10); return s.Length; });
        yield return Call("SetLength(long.MinValue)", s => { s.SetLength(long.MinValue); return null; });
        yield return Call("SetLength(10) same", s => { s.SetLength(s.Length); return s.Length; });
        yield return Call("SetLength(5) then Seek(-1, End)", s => { s.SetLength(5); return s.Seek(-1, SeekOrigin.End); });
        yield return Call("WriteByte at end then ReadByte", s => { s.Seek(0, SeekOrigin.End); s.WriteByte(9); return s.ReadByte(); });
        yield return Call("ReadByte at end", s => { s.Seek(0, SeekOrigin.End); return s.ReadByte(); });
        yield return Call("ReadByte at end + 1", s => { s.Seek(1, SeekOrigin.End); return s.ReadByte(); });
        yield return Call("ReadExactly at end", s => { s.Seek(0, SeekOrigin.End); s.ReadExactly(new byte[1]); return null; });
        yield return Call("ReadExactly(empty) at end", s => { s.Seek(0, SeekOrigin.End); s.ReadExactly(Span<byte>.Empty); return s.Position; });
        yield return Call("ReadExactly(byte[], 0, 11)", s => { s.ReadExactly(new byte[11], 0, 11); return null; });
        yield return Call("ReadExactly(byte[], -1, 1)", s => { s.ReadExactly(new byte[11], -1, 1); return null; });
        yield return Call("ReadExactly(null, 0, 1)", s => { s.ReadExactly(null!, 0, 1); return null; });
        yield return Call("ReadExactly(6) from 5", s => { s.Position = 5; s.ReadExactly(new byte[6]); return null; });
        yield return Call("ReadAtLeast(11, throw)", s => s.ReadAtLeast(new byte[20], 11));
        yield return Call("ReadAtLeast(11, no throw)", s => s.ReadAtLeast(new byte[20], 11, throwOnEndOfStream: false));
        yield return Call("ReadAtLeast(0)", s => s.ReadAtLeast(new byte[20], 0));
        yield return Call("ReadAtLeast(-1)", s => s.ReadAtLeast(new byte[20], -1));
        yield return Call("ReadAtLeast(21) into 20", s => s.ReadAtLeast(new byte[20], 21));
        yield return Call("ReadExactlyAsync at end", s => { s.Seek(0, SeekOrigin.End); return s.ReadExactlyAsync(new byte[1]).AsTask(); });
        yield return Call("ReadAtLeastAsync(11)", s => s.ReadAtLeastAsync(new byte[20], 11).AsTask());
        yield return Call("ReadAsync(Memory) empty", s => s.ReadAsync(Memory<byte>.Empty).AsTask());
        yield return Call("WriteAsync(Memory) empty", s => s.WriteAsync(ReadOnlyMemory<byte>.Empty).AsTask());
        yield return Call("ReadAsync(Memory) empty cancelled", s => s.ReadAsync(Memory<byte>.Empty, cancelled).AsTask());
        yield return Call("WriteAsync(Memory) empty cancelled", s => s.WriteAsync(ReadOnlyMemory<byte>.Empty, cancelled).AsTask());
        yield return Call("FlushAsync cancelled", s => s.FlushAsync(cancelled));
        yield return Call("FlushAsync", s => s.FlushAsync());
        yield return Call("Flush(false)", s => { Flush(s, false); return null; });
        yield return Call("Flush(true) twice", s => { Flush(s, true); Flush(s, true); return null; });
        yield return Call("CopyTo(m, -1)", s => { s.CopyTo(new MemoryStream(), -1); return null; });
        yield return Call("CopyTo(null, 0)", s => { s.CopyTo(null!, 0); return null; });
        yield return Call("CopyTo(m, int.MaxValue)", s => { var m = new MemoryStream(); s.CopyTo(m, int.MaxValue); return Convert.ToHexString(m.ToArray()); });
        yield return Call("CopyTo(self)", s => { s.CopyTo(s); return null; });
        yield return Call("CopyToAsync(m, -1)", s => s.CopyToAsync(new MemoryStream(), -1));
        yield return Call("CopyToAsync(null, 0)", s => s.CopyToAsync(null!, 0));
        yield return Call("CopyToAsync(m) cancelled, position 3", s => { s.Position = 3; return s.CopyToAsync(new MemoryStream(), 10, cancelled); });
        yield return Call("CopyToAsync(m, 1) from 4", s => { s.Position = 4; var m = new MemoryStream(); s.CopyToAsync(m, 1).GetAwaiter().GetResult(); return Convert.ToHexString(m.ToArray()); });
        yield return Call("CopyToAsync(read-only ms) cancelled", s => s.CopyToAsync(new MemoryStream(new byte[4], writable: false), 10, cancelled));
        yield return Call("Name", s => Path.GetFileName(NameOf(s)));
        yield return Call("Name is full", s => Path.IsPathFullyQualified(NameOf(s)));
        yield return Call("ToString", s => s.ToString()!.Replace("Emmap.Streams.Mapped", string.Empty, StringComparison.Ordinal).Replace("System.IO.", string.Empty, StringComparison.Ordinal));
        yield return Call("Dispose then Name", s => { s.Dispose(); return Path.GetFileName(NameOf(s)); });
        yield return Call("Dispose then Flush", s => { s.Dispose(); s.Flush(); return null; });
        yield return Call("Dispose then Flush(true)", s => { s.Dispose(); Flush(s, true); return null; });
        yield return Call("Dispose then FlushAsync", s => { s.Dispose(); return s.FlushAsync(); });
        yield return Call("Dispose then FlushAsync cancelled", s => { s.Dispose(); return s.FlushAsync(cancelled); });
        yield return Call("Dispose then Position = -1", s => { s.Dispose(); s.Position = -1; return null; });
        yield return Call("Dispose then Seek bad origin", s => { s.Dispose(); return s.Seek(0, (SeekOrigin)5); });
        yield return Call("Dispose then Seek", s => { s.Dispose(); return s.Seek(0, SeekOrigin.Begin); });
        yield return Call("Dispose then SetLength(-1)", s => { s.Dispose(); s.SetLength(-1); return null; });
        yield return Call("Dispose then SetLength(1)", s => { s.Dispose(); s.SetLength(1); return null; });
        yield return Call("Dispose then Read(null)", s => { s.Dispose(); return s.Read(null!, 0, 0); });
        yield return Call("Dispose then Read(empty span)", s => { s.Dispose(); return s.Read(Span<byte>.Empty); });
        yield return Call("Dispose then Write(empty span)", s => { s.Dispose(); s.Write(ReadOnlySpan<byte>.Empty); return null; });
        yield return Call("Dispose then ReadByte", s => { s.Dispose(); return s.ReadByte(); });
        yield return Call("Dispose then WriteByte", s => { s.Dispose(); s.WriteByte(1); return null; });
        yield return Call("Dispose then ReadAsync cancelled", s => { s.Dispose(); return s.ReadAsync(new byte[1], 0, 1, cancelled); });
        yield return Call("Dispose then WriteAsync(Memory) cancelled", s => { s.Dispose(); return s.WriteAsync(new byte[1].AsMemory(), cancelled).AsTask(); });
        yield return Call("Dispose then CopyTo", s => { s.Dispose(); s.CopyTo(new MemoryStream()); return null; });
        yield return Call("Dispose then CopyTo(m, 0)", s => { s.Dispose(); s.CopyTo(new MemoryStream(), 0); return null; });
        yield return Call("Dispose then CopyToAsync", s => { s.Dispose(); return s.CopyToAsync(new MemoryStream()); });
        yield return Call("Dispose then BeginRead", s => { s.Dispose(); return s.BeginRead(new byte[1], 0, 1, null, null); });
        yield return Call("Dispose then BeginWrite", s => { s.Dispose(); return s.BeginWrite(new byte[1], 0, 1, null, null); });
        yield return Call("Dispose then ReadTimeout", s => { s.Dispose(); return s.ReadTimeout; });
        yield return Call("Dispose then CanTimeout", s => { s.Dispose(); return s.CanTimeout; });
        yield return Call("Dispose then DisposeAsync", s => { s.Dispose(); return s.DisposeAsync().AsTask(); });
        yield return Call("DisposeAsync then Position", s => { s.DisposeAsync().AsTask().GetAwaiter().GetResult(); return s.Position; });
        yield return Call("Close twice then CanSeek", s => { s.Close(); s.Close(); return s.CanSeek; });
        yield return Call("Write then Dispose then read file", s => { s.Write("QQ"u8); s.Dispose(); return null; });
        yield return Call("Seek past end, Write, SetLength back", s => { s.Seek(30, SeekOrigin.Begin); s.Write("zz"u8); s.SetLength(12); return s.Position; });
        yield return Call("Write, Seek(-2, Current), ReadByte", s => { s.Write("AB"u8); s.Seek(-2, SeekOrigin.Current); return s.ReadByte(); });
        yield return Call("Write, Read", s => { s.Write("AB"u8); return s.Read(new byte[20]); });
        yield return Call("Read 3, Write 2, Read 1", s => { s.ReadExactly(new byte[3]); s.Write("AB"u8); return s.ReadByte(); });
        yield return Call("Read 3, Seek(-1, Current) and Write", s => { s.ReadExactly(new byte[3]); s.Seek(-1, SeekOrigin.Current); s.WriteByte(0x55); return s.Position; });
        yield return Call("Append: Seek(0, End) then Seek(-1, Current)", s => { s.Seek(0, SeekOrigin.End); return s.Seek(-1, SeekOrigin.Current); });
        yield return Call("Append: Position = Length - 1", s => s.Position = Math.Max(0, s.Length - 1));
        yield return Call("Append: Write then Seek(0, Begin)", s => { s.Write("AB"u8); return s.Seek(0, SeekOrigin.Begin); });
        yield return Call("Append: Write then SetLength(Length - 1)", s => { s.Write("AB"u8); s.SetLength(s.Length - 1); return s.Length; });
        yield return Call("Append: Write then SetLength(Length - 3)", s => { s.Write("AB"u8); s.SetLength(s.Length - 3); return s.Length; });
        yield return Call("Append: Write, Seek(-2, End) then overwrite", s => { s.Write("AB"u8); s.Seek(-2, SeekOrigin.End); s.Write("C"u8); return s.Position; });
    }

    private static string NameOf(Stream s) => s is FileStream f ? f.Name : ((MappedFileStream)s).Name;

    private static void Flush(Stream s, bool toDisk)
    {
        if (s is FileStream f)
        {
            f.Flush(toDisk);
        }
        else
        {
            ((MappedFileStream)s).Flush(toDisk);
        }
    }

    private static StreamCall Call(string name, Func<Stream, object?> invoke) => new(name, invoke);
}
