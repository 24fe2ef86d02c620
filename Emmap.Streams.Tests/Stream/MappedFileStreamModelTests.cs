using System;
using System.IO;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Random sequences of stream operations applied to a <see cref="MappedFileStream"/> and to a <see cref="MemoryStream"/>
/// (the model): every result, the position, the length and finally the file's bytes must agree. CsCheck prints a seed
/// that replays a failure.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamModelTests
{
    private const int MaxPosition = 20_000;

    private TempDirectory _directory = null!;
    private int _files;

    private enum Kind
    {
        Write,
        WriteAt,
        Read,
        ReadAt,
        Seek,
        SetLength,
        WriteByte,
        ReadByte,
    }

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    public enum Configuration
    {
        WholeFile,
        Window,
        Private,
    }

    [Test]
    public void Operations_AnySequence_BehaveLikeAMemoryStream([Values] Configuration configuration)
    {
        Gen<(Kind Kind, int A, int B)> operation = Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, MaxPosition], Gen.Int[0, 6000]);
        Gen.Select(Gen.Int[1, 9000], operation.Array[1, 25]).Sample(
            sample => Agree(configuration, sample.Item1, sample.Item2),
            iter: 40,
            threads: 1);
    }

    private void Agree(Configuration configuration, int initialLength, (Kind Kind, int A, int B)[] operations)
    {
        const int windowOffset = 8100;
        string path = _directory.File($"model-{_files++}.bin");
        int prefix = configuration == Configuration.Window ? windowOffset : 0;
        byte[] initialFile = new byte[prefix + initialLength];
        initialFile.AsSpan(0, prefix).Fill(0xEE);
        File.WriteAllBytes(path, initialFile);
        var model = new MemoryStream();
        model.SetLength(initialLength);
        var options = new MapOptions
        {
            Access = FileAccess.ReadWrite,
            MaxIncrementSize = 8192,
            Sharing = configuration == Configuration.Private ? MapSharing.Private : MapSharing.Shared,
        };
        using (var stream = prefix == 0 ? MappedFileStream.Open(path, options) : MappedFileStream.Open(path, prefix, 0, options))
        {
            foreach ((Kind kind, int a, int b) in operations)
            {
                byte[] data = Data(a, b);
                switch (kind)
                {
                    case Kind.Write:
                        stream.Write(data);
                        model.Write(data);
                        break;
                    case Kind.WriteAt:
                        stream.WriteAt(a, data);
                        model.WriteAt(a, data);
                        break;
                    case Kind.Read:
                        byte[] mine = new byte[b];
                        byte[] theirs = new byte[b];
                        stream.Read(mine).ShouldBe(model.Read(theirs));
                        mine.ShouldBe(theirs);
                        break;
                    case Kind.ReadAt:
                        byte[] mineAt = new byte[b];
                        byte[] theirsAt = new byte[b];
                        stream.ReadAt(a, mineAt).ShouldBe(model.ReadAt(a, theirsAt));
                        mineAt.ShouldBe(theirsAt);
                        break;
                    case Kind.Seek:
                        var origin = (SeekOrigin)(b % 3);
                        long offset = origin == SeekOrigin.Begin ? a : (a % 4000) - 2000;
                        long expected = origin switch
                        {
                            SeekOrigin.Begin => offset,
                            SeekOrigin.Current => model.Position + offset,
                            _ => model.Length + offset,
                        };
                        if (expected < 0)
                        {
                            Should.Throw<IOException>(() => stream.Seek(offset, origin));
                        }
                        else
                        {
                            stream.Seek(offset, origin).ShouldBe(model.Seek(offset, origin));
                        }

                        break;
                    case Kind.SetLength:
                        stream.SetLength(a);
                        model.SetLength(a);
                        break;
                    case Kind.WriteByte:
                        stream.WriteByte((byte)b);
                        model.WriteByte((byte)b);
                        break;
                    default:
                        stream.ReadByte().ShouldBe(model.ReadByte());
                        break;
                }

                stream.Position.ShouldBe(model.Position, $"after {kind}({a}, {b})");
                stream.Length.ShouldBe(model.Length, $"after {kind}({a}, {b})");
                stream.Capacity.ShouldBeGreaterThanOrEqualTo(stream.Length);
            }
        }

        byte[] file = SharedFile.ReadAllBytes(path);
        if (configuration == Configuration.Private)
        {
            file.ShouldBe(initialFile);
        }
        else
        {
            file[..prefix].ShouldBe(initialFile[..prefix]);
            file[prefix..].ShouldBe(model.ToArray());
        }
    }

    [Test]
    public void Operations_TwoHandlesAndLiveViews_BehaveLikeOneMemoryStream()
    {
        // Two shared handles share one length; views pin the mapping, so shrinks below them are deferred. Every view
        // must show the model's bytes where the data reaches and zeros past its end.
        Gen<(int Op, int Handle, int A, int B)> operation = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 1], Gen.Int[0, MaxPosition], Gen.Int[0, 6000]);
        Gen.Select(Gen.Int[1, 9000], operation.Array[1, 30]).Sample(
            sample => AgreeWithViews(sample.Item1, sample.Item2),
            iter: 40,
            threads: 1);
    }

    private void AgreeWithViews(int initialLength, (int Op, int Handle, int A, int B)[] operations)
    {
        string path = _directory.File($"views-{_files++}.bin");
        File.WriteAllBytes(path, new byte[initialLength]);
        var model = new MemoryStream();
        model.SetLength(initialLength);
        var options = new MapOptions { Access = FileAccess.ReadWrite, MaxIncrementSize = 8192 };
        var views = new System.Collections.Generic.List<(long Position, System.Buffers.IMemoryOwner<byte> View)>();
        var handles = new[] { MappedFileStream.Open(path, options), MappedFileStream.Open(path, options) };
        try
        {
            foreach ((int op, int h, int a, int b) in operations)
            {
                MappedFileStream stream = handles[h];
                switch (op)
                {
                    case 0:
                    case 1:
                        byte[] data = Data(a, b);
                        stream.WriteAt(a, data);
                        model.WriteAt(a, data);
                        break;
                    case 2:
                        stream.SetLength(a % 12_000);
                        model.SetLength(a % 12_000);
                        break;
                    case 3:
                        views.Add((a, stream.ReadDirect(a, b)));
                        break;
                    case 4 when views.Count > 0:
                        views[b % views.Count].View.Dispose();
                        views.RemoveAt(b % views.Count);
                        break;
                    default:
                        byte[] mine = new byte[b];
                        byte[] theirs = new byte[b];
                        stream.ReadAt(a, mine).ShouldBe(model.ReadAt(a, theirs));
                        mine.ShouldBe(theirs);
                        break;
                }

                handles[1 - h].Length.ShouldBe(model.Length);
                handles[0].LiveViewCount.ShouldBe(views.Count);
                byte[] all = model.ToArray();
                foreach ((long position, System.Buffers.IMemoryOwner<byte> view) in views)
                {
                    ReadOnlySpan<byte> span = view.Memory.Span;
                    for (int i = 0; i < span.Length; i += 97)
                    {
                        long at = position + i;
                        span[i].ShouldBe(at < all.Length ? all[at] : (byte)0, $"view at {position}, byte {at}");
                    }
                }
            }
        }
        finally
        {
            foreach ((_, System.Buffers.IMemoryOwner<byte> view) in views)
            {
                view.Dispose();
            }

            handles[0].Dispose();
            handles[1].Dispose();
        }

        SharedFile.ReadAllBytes(path).ShouldBe(model.ToArray());
    }

    private static byte[] Data(int a, int b)
    {
        // Never empty: an empty write past the end extends a MemoryStream but not a FileStream, and this stream
        // follows FileStream (see the conformance suite).
        byte[] data = new byte[(b % 3000) + 1];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(a + (i * 7) + 1);
        }

        return data;
    }
}
