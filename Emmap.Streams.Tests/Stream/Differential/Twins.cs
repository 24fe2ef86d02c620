using System;
using System.IO;
using Emmap.Streams.Tests.Support;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// One file, twice: a copy for a <see cref="FileStream"/> and a copy for a <see cref="MappedFileStream"/>, in two directories
/// under one temporary directory, so that the same calls on both can be compared down to the bytes left on disk.
/// </summary>
public sealed class Twins : IDisposable
{
    private readonly TempDirectory _root = new();

    public Twins(string name = "twin.bin")
    {
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "file"));
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "mapped"));
        FilePath = System.IO.Path.Combine(_root.Path, "file", name);
        MappedPath = System.IO.Path.Combine(_root.Path, "mapped", name);
    }

    public string FilePath { get; }

    public string MappedPath { get; }

    public string PathOf(StreamKind kind) => kind == StreamKind.FileStream ? FilePath : MappedPath;

    /// <summary>Gives both copies <paramref name="content"/>; <see langword="null"/> removes them.</summary>
    public void Seed(byte[]? content)
    {
        foreach (string path in new[] { FilePath, MappedPath })
        {
            if (content is null)
            {
                File.Delete(path);
            }
            else
            {
                File.WriteAllBytes(path, content);
            }
        }
    }

    /// <summary>Opens a stream of <paramref name="kind"/> through <paramref name="form"/>; arguments a form lacks are not used.</summary>
    public static Stream Open(StreamKind kind, OpenForm form, string path, FileMode mode, FileAccess access = FileAccess.ReadWrite, FileShare share = FileShare.Read)
    {
        bool file = kind == StreamKind.FileStream;
        return form switch
        {
            OpenForm.Mode => file ? new FileStream(path, mode) : new MappedFileStream(path, mode),
            OpenForm.ModeAccess => file ? new FileStream(path, mode, access) : new MappedFileStream(path, mode, access),
            OpenForm.ModeAccessShare => file ? new FileStream(path, mode, access, share) : new MappedFileStream(path, mode, access, share),
            _ => file
                ? new FileStream(path, new FileStreamOptions { Mode = mode, Access = access, Share = share })
                : new MappedFileStream(path, new FileStreamOptions { Mode = mode, Access = access, Share = share }),
        };
    }

    /// <summary>Opens this twin's copy for <paramref name="kind"/>.</summary>
    public Stream Open(StreamKind kind, FileMode mode, FileAccess access = FileAccess.ReadWrite, FileShare share = FileShare.Read) =>
        Open(kind, OpenForm.ModeAccessShare, PathOf(kind), mode, access, share);

    /// <summary>Calls <see cref="FileStream.Flush(bool)"/> or <see cref="MappedFileStream.Flush(bool)"/>.</summary>
    public static void FlushToDisk(Stream stream)
    {
        if (stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            ((MappedFileStream)stream).Flush(flushToDisk: true);
        }
    }

    /// <summary>Both copies exist or neither does, with the same bytes.</summary>
    public void ShouldMatchOnDisk(string because = "")
    {
        File.Exists(MappedPath).ShouldBe(File.Exists(FilePath), $"the mapped copy should exist as the FileStream copy does {because}");
        if (File.Exists(FilePath))
        {
            byte[] expected = SharedFile.ReadAllBytes(FilePath);
            byte[] actual = SharedFile.ReadAllBytes(MappedPath);
            int first = expected.AsSpan().CommonPrefixLength(actual);
            actual.Length.ShouldBe(expected.Length, $"the length on disk {because} (the first difference is at byte {first})");
            Convert.ToHexString(SharedFile.ReadAllBytes(MappedPath)).ShouldBe(Convert.ToHexString(SharedFile.ReadAllBytes(FilePath)), $"the bytes on disk {because}");
        }
    }

    public void Dispose() => _root.Dispose();
}
