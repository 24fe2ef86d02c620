using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Random sequences of operations on several handles of one file — a whole-file handle, an open-ended window, a bounded
/// window, an <see cref="FileMode.Append"/> stream and a <see cref="MapOptions.FixedSize"/> handle — against one list of
/// bytes (the model): every result, length and exception type, and finally the file's bytes, must agree. CsCheck prints a
/// seed that replays a failure.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamWindowModelTests
{
    private const int MaxPosition = 12_000;

    private static readonly MapOptions s_readWrite = new() { Access = FileAccess.ReadWrite };

    private TempDirectory _directory = null!;
    private int _files;

    private enum Kind
    {
        WriteAt,
        ReadAt,
        SetLength,
        Append,
        ReadLine,
        ReadDirect,
        AtomicAdd,
        Flush,
        AppendStreamWrite,
    }

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Operations_OnWindowsAndWholeFileHandles_AgreeWithOneListOfBytes()
    {
        Gen<(Kind Kind, int Handle, int A, int B)> operation =
            Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, 3], Gen.Int[0, MaxPosition], Gen.Int[0, 5000]);
        Gen.Select(Gen.Int[1, 9000], Gen.Int[1, 8000], Gen.Int[1, 6000], operation.Array[1, 30]).Sample(
            sample => Agree(sample.Item1, sample.Item2, sample.Item3, sample.Item4),
            iter: 60,
            threads: 1);
    }

    [Test]
    public void Append_NothingOnWindowsThatStartPastTheEndOrEndBeforeIt_WritesNothingAndReturnsTheWindowsLength()
    {
        string path = _directory.File("empty-append.bin");
        File.WriteAllBytes(path, new byte[20_000]);
        using var whole = MappedFileStream.Open(path, s_readWrite);
        using var pastTheEnd = MappedFileStream.Open(path, 16_000, 0, s_readWrite);
        using var bounded = MappedFileStream.Open(path, 200, 3_000, s_readWrite);
        whole.SetLength(10_000);

        pastTheEnd.Append(ReadOnlySpan<byte>.Empty).ShouldBe(0);
        bounded.Append(ReadOnlySpan<byte>.Empty).ShouldBe(3_000);
        whole.Append(ReadOnlySpan<byte>.Empty).ShouldBe(10_000);

        whole.Length.ShouldBe(10_000);
        pastTheEnd.Length.ShouldBe(0);
        bounded.Length.ShouldBe(3_000);
        Should.Throw<IOException>(() => bounded.Append(new byte[1]));
    }

    private void Agree(int initialLength, int windowOffset, int boundedLength, (Kind Kind, int Handle, int A, int B)[] operations)
    {
        string path = _directory.File($"model{_files++}.bin");
        var model = new List<byte>(Enumerable.Range(0, initialLength).Select(i => (byte)(i * 7)));
        File.WriteAllBytes(path, model.ToArray());
        int offset = Math.Min(windowOffset, initialLength - 1);
        int boundedOffset = offset / 2;
        int boundedEnd = Math.Min(boundedOffset + boundedLength, initialLength);

        using var whole = MappedFileStream.Open(path, s_readWrite);
        using var window = offset == 0 ? MappedFileStream.Open(path, s_readWrite) : MappedFileStream.Open(path, offset, 0, s_readWrite);
        using var bounded = MappedFileStream.Open(path, boundedOffset, boundedEnd - boundedOffset, s_readWrite);
        using var fixedSize = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = true });
        using var log = new MappedFileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        long logPosition = initialLength;
        long logStart = initialLength;

        // Handle 0 the whole file, 1 the open-ended window, 2 the bounded window, 3 the fixed-size handle.
        MappedFileStream[] handles = [whole, window, bounded, fixedSize];
        long[] starts = [0, offset, boundedOffset, 0];
        // A window that ends where the file does follows the file's length, as an open-ended one.
        long[] ends = [long.MaxValue, long.MaxValue, boundedEnd < initialLength ? boundedEnd : long.MaxValue, long.MaxValue];

        for (int step = 0; step < operations.Length; step++)
        {
            (Kind kind, int h, int a, int b) = operations[step];
            MappedFileStream stream = handles[h];
            long start = starts[h];
            long end = ends[h];
            long length = Math.Max(0, Math.Min(model.Count, end) - start);
            byte fill = (byte)(step + 1);
            string where = $"step {step}: {kind} on handle {h} ({a}, {b}); model length {model.Count}";
            switch (kind)
            {
                case Kind.WriteAt:
                {
                    byte[] data = Enumerable.Repeat(fill, b).ToArray();
                    long fileEnd = start + a + b;
                    bool grows = fileEnd > model.Count && b > 0;
                    if (b > 0 && fileEnd > end)
                    {
                        Should.Throw<IOException>(() => stream.WriteAt(a, data), where);
                    }
                    else if (grows && h == 3)
                    {
                        Should.Throw<IOException>(() => stream.WriteAt(a, data), where);
                    }
                    else
                    {
                        stream.WriteAt(a, data);
                        Put(model, start + a, data);
                    }

                    break;
                }

                case Kind.ReadAt:
                {
                    byte[] buffer = new byte[b];
                    int read = stream.ReadAt(a, buffer);
                    byte[] expected = Slice(model, start + a, Math.Min(b, length - a));
                    read.ShouldBe(expected.Length, where);
                    buffer[..read].ShouldBe(expected, where);
                    break;
                }

                case Kind.SetLength:
                {
                    long target = a % 10_000;
                    if (end != long.MaxValue || h == 3)
                    {
                        if (target == length)
                        {
                            stream.SetLength(target);
                        }
                        else
                        {
                            Should.Throw<IOException>(() => stream.SetLength(target), where);
                        }
                    }
                    else if (!(target == length && start + target > model.Count))
                    {
                        stream.SetLength(target);
                        Resize(model, start + target);
                    }
                    else
                    {
                        stream.SetLength(target);
                    }

                    break;
                }

                case Kind.Append:
                {
                    byte[] data = Enumerable.Repeat(fill, b % 4 == 0 ? 0 : (b % 300) + 1).ToArray();
                    if (data.Length == 0)
                    {
                        // Appending nothing writes nothing, on every kind of handle: it reports the handle's length.
                        stream.Append(data).ShouldBe(length, where);
                        break;
                    }

                    long at = Math.Max(start, model.Count);
                    if (h == 3 || at + data.Length > end)
                    {
                        Should.Throw<IOException>(() => stream.Append(data), where);
                        break;
                    }

                    stream.Append(data).ShouldBe(at - start, where);
                    Put(model, at, data);
                    break;
                }

                case Kind.ReadLine:
                {
                    long position = Math.Min(a, length);
                    stream.Position = position;
                    byte[]? line = stream.ReadLine();
                    byte[] rest = Slice(model, start + position, length - position);
                    if (rest.Length == 0)
                    {
                        line.ShouldBeNull(where);
                        break;
                    }

                    line.ShouldBe(ExpectedLine(rest, out int newline), where);
                    stream.Position.ShouldBe(position + (newline >= 0 ? newline + 1 : rest.Length), where);
                    break;
                }

                case Kind.ReadDirect:
                {
                    using IMemoryOwner<byte> view = stream.ReadDirect(a, b);
                    view.Memory.ToArray().ShouldBe(Slice(model, start + a, Math.Min(b, length - a)), where);
                    using MappedSequenceOwner sequence = stream.ReadSequence(a, b);
                    sequence.Sequence.ToArray().ShouldBe(Slice(model, start + a, Math.Min(b, length - a)), where);
                    break;
                }

                case Kind.AtomicAdd:
                {
                    long position = a % 64 == 0 ? Math.Max(0, length - 8 - (a % 40)) : a;
                    if (position > length - 8)
                    {
                        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(position, 1), where);
                    }
                    else if ((start + position) % 8 != 0)
                    {
                        Should.Throw<ArgumentException>(() => stream.AtomicAdd(position, 1), where);
                    }
                    else
                    {
                        long old = BitConverter.ToInt64(Slice(model, start + position, 8));
                        stream.AtomicAdd(position, 1).ShouldBe(old, where);
                        Put(model, start + position, BitConverter.GetBytes(old + 1));
                    }

                    break;
                }

                case Kind.Flush:
                    stream.Flush(a % 2 == 0);
                    break;

                case Kind.AppendStreamWrite:
                {
                    byte[] data = Enumerable.Repeat(fill, (b % 300) + 1).ToArray();
                    log.Write(data);
                    Put(model, logPosition, data);
                    logPosition += data.Length;
                    log.Position.ShouldBe(logPosition, where);
                    if (a % 3 == 0)
                    {
                        Should.Throw<IOException>(() => log.Seek(logStart - 1, SeekOrigin.Begin), where);
                    }

                    break;
                }
            }

            for (int i = 0; i < handles.Length; i++)
            {
                handles[i].Length.ShouldBe(Math.Max(0, Math.Min(model.Count, ends[i]) - starts[i]), $"{where}; length of handle {i}");
            }

            log.Length.ShouldBe(model.Count, where);
        }

        whole.Dispose();
        window.Dispose();
        bounded.Dispose();
        fixedSize.Dispose();
        log.Dispose();
        File.ReadAllBytes(path).ShouldBe(model.ToArray());
    }

    [Test]
    public void Operations_OnPrivateHandlesAndWindows_AgreeWithTheirOwnBytesAndLeaveTheFile()
    {
        Gen<(Kind Kind, int Handle, int A, int B)> operation =
            Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, 2], Gen.Int[0, MaxPosition], Gen.Int[0, 5000]);
        Gen.Select(Gen.Int[1, 9000], Gen.Int[1, 8000], operation.Array[1, 30]).Sample(
            sample => AgreePrivate(sample.Item1, sample.Item2, sample.Item3),
            iter: 60,
            threads: 1);
    }

    private void AgreePrivate(int initialLength, int windowOffset, (Kind Kind, int Handle, int A, int B)[] operations)
    {
        string path = _directory.File($"private{_files++}.bin");
        byte[] original = Enumerable.Range(0, initialLength).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(path, original);
        int offset = Math.Min(windowOffset, initialLength - 1);
        var options = new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private };

        using var shared = MappedFileStream.Open(path, s_readWrite);
        using var first = MappedFileStream.Open(path, options);
        using var second = MappedFileStream.Open(path, options);
        using var window = offset == 0 ? MappedFileStream.Open(path, options) : MappedFileStream.Open(path, offset, 0, options);
        MappedFileStream[] handles = [first, second, window];
        List<byte>[] models = [[.. original], [.. original], [.. original[offset..]]];
        long[] starts = [0, 0, offset];

        for (int step = 0; step < operations.Length; step++)
        {
            (Kind kind, int h, int a, int b) = operations[step];
            MappedFileStream stream = handles[h];
            List<byte> model = models[h];
            byte fill = (byte)(step + 1);
            string where = $"step {step}: {kind} on private handle {h} ({a}, {b}); model length {model.Count}";
            switch (kind)
            {
                case Kind.WriteAt:
                {
                    byte[] data = Enumerable.Repeat(fill, b).ToArray();
                    stream.WriteAt(a, data);
                    Put(model, a, data);
                    break;
                }

                case Kind.ReadAt:
                {
                    byte[] buffer = new byte[b];
                    byte[] expected = Slice(model, a, b);
                    stream.ReadAt(a, buffer).ShouldBe(expected.Length, where);
                    buffer[..expected.Length].ShouldBe(expected, where);
                    break;
                }

                case Kind.SetLength:
                    stream.SetLength(a % 10_000);
                    Resize(model, a % 10_000);
                    break;

                case Kind.Append:
                {
                    byte[] data = Enumerable.Repeat(fill, (b % 300) + 1).ToArray();
                    stream.Append(data).ShouldBe(model.Count, where);
                    Put(model, model.Count, data);
                    break;
                }

                case Kind.ReadLine:
                {
                    int position = Math.Min(a, model.Count);
                    stream.Position = position;
                    byte[]? line = stream.ReadLine();
                    byte[] rest = Slice(model, position, model.Count - position);
                    if (rest.Length == 0)
                    {
                        line.ShouldBeNull(where);
                        break;
                    }

                    line.ShouldBe(ExpectedLine(rest, out _), where);
                    break;
                }

                case Kind.ReadDirect:
                {
                    using IMemoryOwner<byte> view = stream.ReadDirect(a, b);
                    view.Memory.ToArray().ShouldBe(Slice(model, a, b), where);
                    break;
                }

                case Kind.AtomicAdd:
                {
                    long position = Math.Max(0, ((model.Count - 8 - (a % 40)) & ~7L) - starts[h]);
                    if ((starts[h] + position) % 8 != 0 || position > model.Count - 8)
                    {
                        Should.Throw<ArgumentException>(() => stream.AtomicAdd(position, 1), where);
                        break;
                    }

                    long old = BitConverter.ToInt64(Slice(model, position, 8));
                    stream.AtomicAdd(position, 1).ShouldBe(old, where);
                    Put(model, position, BitConverter.GetBytes(old + 1));
                    break;
                }

                case Kind.Flush:
                    stream.Flush(a % 2 == 0);
                    break;

                case Kind.AppendStreamWrite:
                {
                    // The shared handle reads the file, which no private write reaches.
                    byte[] buffer = new byte[initialLength];
                    shared.ReadAt(0, buffer).ShouldBe(initialLength, where);
                    buffer.ShouldBe(original, where);
                    break;
                }
            }

            for (int i = 0; i < handles.Length; i++)
            {
                handles[i].Length.ShouldBe(models[i].Count, $"{where}; length of private handle {i}");
            }

            shared.Length.ShouldBe(initialLength, where);
        }

        first.Dispose();
        second.Dispose();
        window.Dispose();
        shared.Dispose();
        File.ReadAllBytes(path).ShouldBe(original);
    }

    // What ReadLine returns from `rest`: up to and with the first '\n' (a "\r\n" ending as '\n'), or all of it; `newline` is
    // the index of that '\n' in `rest`, or -1.
    private static byte[] ExpectedLine(byte[] rest, out int newline)
    {
        newline = Array.IndexOf(rest, (byte)'\n');
        byte[] expected = newline >= 0 ? rest[..(newline + 1)] : rest;
        return expected.Length >= 2 && expected[^1] == '\n' && expected[^2] == '\r' ? [.. expected[..^2], (byte)'\n'] : expected;
    }

    private static byte[] Slice(List<byte> model, long from, long count) =>
        count <= 0 || from >= model.Count ? [] : model.GetRange((int)from, (int)Math.Min(count, model.Count - from)).ToArray();

    private static void Put(List<byte> model, long at, byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        Resize(model, Math.Max(model.Count, at + data.Length));
        for (int i = 0; i < data.Length; i++)
        {
            model[(int)at + i] = data[i];
        }
    }

    private static void Resize(List<byte> model, long length)
    {
        if (length < model.Count)
        {
            model.RemoveRange((int)length, model.Count - (int)length);
        }
        else
        {
            model.AddRange(new byte[length - model.Count]);
        }
    }
}
