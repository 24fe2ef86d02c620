using System;
using System.IO;
using System.Threading;
using CsCheck;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>Random sequences of calls on one or two handles of a file, and a reader beside an outside writer, compared step by step with unbuffered FileStreams.</summary>
[TestFixture]
public sealed class RandomHandlesDifferentialTests
{
    private const FileShare ShareAll = FileShare.ReadWrite | FileShare.Delete;

    public enum Opening
    {
        ReadWrite,
        ReadOnly,
        WriteOnly,
        Append,
        Create,
        OpenOrCreate,
        Truncate,
    }

    public enum Operation
    {
        Write,
        WriteArray,
        WriteByte,
        WriteAsync,
        BeginWrite,
        Read,
        ReadArray,
        ReadByte,
        ReadAsync,
        BeginRead,
        ReadExactly,
        ReadAtLeast,
        Seek,
        SeekFar,
        SetPosition,
        SetLength,
        Flush,
        FlushToDisk,
        CopyTo,
        CopyToAsync,
        Length,
        Dispose,
        Reopen,
    }

    [Test]
    public void Operations_OnOneOrTwoHandles_AgreeWithUnbufferedFileStream()
    {
        Gen<(Operation Operation, int Handle, int A, int B)> operation =
            Gen.Select(Gen.Enum<Operation>(), Gen.Int[0, 1], Gen.Int[-60, 12_000], Gen.Int[0, 5_000]);
        Gen.Select(Gen.Enum<Opening>(), Gen.Enum<Opening>(), Gen.Int[0, 6_000], operation.Array[1, 40]).Sample(
            sample => Agree(sample.Item1, sample.Item2, sample.Item3, sample.Item4),
            iter: 1000,
            threads: 1);
    }

    internal static void Agree(Opening first, Opening second, int initialLength, (Operation Operation, int Handle, int A, int B)[] operations)
    {
        using var twins = new Twins();
        byte[] initial = new byte[initialLength];
        for (int i = 0; i < initial.Length; i++)
        {
            initial[i] = (byte)(i * 7);
        }

        twins.Seed(initial);
        Opening[] openings = [first, second];
        var file = new Stream?[2];
        var mapped = new Stream?[2];
        try
        {
            for (int h = 0; h < 2; h++)
            {
                string expectedOpen = TryOpen(twins, StreamKind.FileStream, openings[h], out file[h]);
                string actualOpen = TryOpen(twins, StreamKind.Mapped, openings[h], out mapped[h]);
                if (actualOpen != expectedOpen)
                {
                    throw new InvalidOperationException($"open {h} {openings[h]}: FileStream {expectedOpen}; MappedFileStream {actualOpen}");
                }
            }

            for (int step = 0; step < operations.Length; step++)
            {
                (Operation op, int h, int a, int b) = operations[step];
                string expected = Apply(twins, StreamKind.FileStream, file, openings, h, op, a, b);
                string actual = Apply(twins, StreamKind.Mapped, mapped, openings, h, op, a, b);
                if (actual != expected)
                {
                    throw new InvalidOperationException(
                        $"{first}/{second}, {initialLength} bytes, step {step} (handle {h} {op} {a} {b}): FileStream {expected}; MappedFileStream {actual}");
                }
            }
        }
        finally
        {
            foreach (Stream? s in file)
            {
                s?.Dispose();
            }

            foreach (Stream? s in mapped)
            {
                s?.Dispose();
            }
        }

        twins.ShouldMatchOnDisk($"after {first}/{second} with {operations.Length} operations");
    }

    private static string TryOpen(Twins twins, StreamKind kind, Opening opening, out Stream? stream)
    {
        (FileMode mode, FileAccess access) = opening switch
        {
            Opening.ReadOnly => (FileMode.Open, FileAccess.Read),
            Opening.WriteOnly => (FileMode.Open, FileAccess.Write),
            Opening.Append => (FileMode.Append, FileAccess.Write),
            Opening.Create => (FileMode.Create, FileAccess.ReadWrite),
            Opening.OpenOrCreate => (FileMode.OpenOrCreate, FileAccess.ReadWrite),
            Opening.Truncate => (FileMode.Truncate, FileAccess.ReadWrite),
            _ => (FileMode.Open, FileAccess.ReadWrite),
        };
        string path = twins.PathOf(kind);
        try
        {
            stream = kind == StreamKind.FileStream
                ? new FileStream(path, mode, access, ShareAll, bufferSize: 1)
                : new MappedFileStream(path, mode, access, ShareAll, bufferSize: 1);
            return $"opened Position={stream.Position} Length={stream.Length}";
        }
        catch (Exception ex)
        {
            stream = null;
            return "throws " + EdgeMemberDifferentialTests.Name(ex);
        }
    }

    private static string Apply(Twins twins, StreamKind kind, Stream?[] handles, Opening[] openings, int h, Operation op, int a, int b)
    {
        if (op == Operation.Reopen)
        {
            handles[h]?.Dispose();
            return TryOpen(twins, kind, openings[h], out handles[h]);
        }

        if (handles[h] is not { } stream)
        {
            return "no handle";
        }

        string outcome = EdgeMemberDifferentialTests.Describe(() => Invoke(stream, op, a, b));
        string after = EdgeMemberDifferentialTests.Describe(() => $"Position={stream.Position} Length={stream.Length}");
        return $"{outcome} | {after} | {stream.CanRead} {stream.CanWrite} {stream.CanSeek}";
    }

    private static object? Invoke(Stream stream, Operation op, int a, int b)
    {
        switch (op)
        {
            case Operation.Write:
                stream.Write(RandomSequenceDifferentialTests.Data(a, b % 3_000));
                return null;
            case Operation.WriteArray:
                byte[] source = RandomSequenceDifferentialTests.Data(a, b % 100);
                stream.Write(source, a % 7, (b % 13) - 2);
                return null;
            case Operation.WriteByte:
                stream.WriteByte((byte)a);
                return null;
            case Operation.WriteAsync:
                return stream.WriteAsync(RandomSequenceDifferentialTests.Data(a, b % 700).AsMemory(), new CancellationToken(canceled: a % 5 == 0)).AsTask();
            case Operation.BeginWrite:
                stream.EndWrite(stream.BeginWrite(RandomSequenceDifferentialTests.Data(a, b % 50), 0, b % 50, null, null));
                return null;
            case Operation.Read:
                return RandomSequenceDifferentialTests.Read(new byte[b % 3_000], buffer => stream.Read(buffer.AsSpan()));
            case Operation.ReadArray:
                return RandomSequenceDifferentialTests.Read(new byte[b % 100], buffer => stream.Read(buffer, a % 7, (b % 13) - 2));
            case Operation.ReadByte:
                return stream.ReadByte();
            case Operation.ReadAsync:
                byte[] target = new byte[b % 700];
                return stream.ReadAsync(target, 0, target.Length, new CancellationToken(canceled: a % 5 == 0)).ContinueWith(
                    t => t.IsCompletedSuccessfully ? $"{t.Result} {Convert.ToHexString(target)}" : t.Status.ToString(),
                    CancellationToken.None,
                    System.Threading.Tasks.TaskContinuationOptions.ExecuteSynchronously,
                    System.Threading.Tasks.TaskScheduler.Default).GetAwaiter().GetResult();
            case Operation.BeginRead:
                return RandomSequenceDifferentialTests.Read(new byte[b % 64], buffer => stream.EndRead(stream.BeginRead(buffer, 0, buffer.Length, null, null)));
            case Operation.ReadExactly:
                return RandomSequenceDifferentialTests.Read(new byte[b % 64], buffer => { stream.ReadExactly(buffer); return buffer.Length; });
            case Operation.ReadAtLeast:
                return RandomSequenceDifferentialTests.Read(new byte[b % 64], buffer => stream.ReadAtLeast(buffer, a % 65, throwOnEndOfStream: a % 2 == 0));
            case Operation.Seek:
                return stream.Seek(a - 6_000, (SeekOrigin)(b % 3));
            case Operation.SeekFar:
                long before = stream.Position;
                long far = stream.Seek((b % 2 == 0 ? long.MaxValue : long.MinValue) - a, (SeekOrigin)(b % 3));
                stream.Position = before;
                return far;
            case Operation.SetPosition:
                return stream.Position = a - 20;
            case Operation.SetLength:
                stream.SetLength(a - 10);
                return null;
            case Operation.Flush:
                stream.Flush();
                return null;
            case Operation.FlushToDisk:
                Twins.FlushToDisk(stream);
                return null;
            case Operation.CopyTo:
                var copy = new MemoryStream();
                stream.CopyTo(copy, (b % 4097) - 1);
                return Convert.ToHexString(copy.ToArray());
            case Operation.CopyToAsync:
                var copyAsync = new MemoryStream();
                stream.CopyToAsync(copyAsync, (b % 4097) - 1).GetAwaiter().GetResult();
                return Convert.ToHexString(copyAsync.ToArray());
            case Operation.Length:
                return stream.Length;
            default:
                stream.Dispose();
                return null;
        }
    }
}

[TestFixture]
public sealed class RandomExternalWriterDifferentialTests
{
    public enum ReaderOperation
    {
        Read,
        ReadByte,
        Seek,
        Length,
        CopyTo,
        ExternalWrite,
        ExternalAppend,
    }

    [Test]
    public void Reader_WhileAnotherProgramGrowsOrOverwritesTheFile_AgreesWithFileStream()
    {
        Gen<(ReaderOperation Operation, int A, int B)> operation = Gen.Select(Gen.Enum<ReaderOperation>(), Gen.Int[0, 20_000], Gen.Int[0, 9_000]);
        Gen.Select(Gen.Bool, Gen.Int[0, 6_000], operation.Array[1, 30]).Sample(
            sample => Agree(sample.Item1, sample.Item2, sample.Item3),
            iter: 1000,
            threads: 1);
    }

    internal static void Agree(bool shareAll, int initialLength, (ReaderOperation Operation, int A, int B)[] operations)
    {
        using var twins = new Twins();
        byte[] initial = new byte[initialLength];
        for (int i = 0; i < initial.Length; i++)
        {
            initial[i] = (byte)(i * 7);
        }

        twins.Seed(initial);
        FileShare share = shareAll ? FileShare.ReadWrite | FileShare.Delete : FileShare.ReadWrite;
        using Stream file = new FileStream(twins.FilePath, FileMode.Open, FileAccess.Read, share, bufferSize: 1);
        using Stream mapped = new MappedFileStream(twins.MappedPath, FileMode.Open, FileAccess.Read, share, bufferSize: 1);
        for (int step = 0; step < operations.Length; step++)
        {
            (ReaderOperation op, int a, int b) = operations[step];
            string expected = Apply(file, twins.FilePath, op, a, b);
            string actual = Apply(mapped, twins.MappedPath, op, a, b);
            if (actual != expected)
            {
                throw new InvalidOperationException(
                    $"shareAll={shareAll}, {initialLength} bytes, step {step} ({op} {a} {b}): FileStream {expected}; MappedFileStream {actual}");
            }
        }
    }

    private static string Apply(Stream stream, string path, ReaderOperation op, int a, int b)
    {
        string outcome = EdgeMemberDifferentialTests.Describe(() => Invoke(stream, path, op, a, b));
        string after = EdgeMemberDifferentialTests.Describe(() => $"Position={stream.Position} Length={stream.Length}");
        return $"{outcome} | {after}";
    }

    private static object? Invoke(Stream stream, string path, ReaderOperation op, int a, int b)
    {
        switch (op)
        {
            case ReaderOperation.Read:
                byte[] buffer = new byte[b % 5_000];
                int n = stream.Read(buffer);
                return $"{n} {Convert.ToHexString(buffer)}";
            case ReaderOperation.ReadByte:
                return stream.ReadByte();
            case ReaderOperation.Seek:
                return stream.Seek(a, SeekOrigin.Begin);
            case ReaderOperation.Length:
                return stream.Length;
            case ReaderOperation.CopyTo:
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                return Convert.ToHexString(copy.ToArray());
            case ReaderOperation.ExternalWrite:
                using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1))
                {
                    writer.Position = a;
                    writer.Write(Data(b, b % 3_000));
                }

                return null;
            default:
                using (var writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1))
                {
                    writer.Write(Data(a, b % 3_000));
                }

                return null;
        }
    }

    private static byte[] Data(int seed, int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(seed + (i * 13) + 1);
        }

        return data;
    }
}
