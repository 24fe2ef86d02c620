using System;
using System.IO;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>A second Append open against a first Append, CreateNew or OpenOrCreate stream, across shares: the same open or refusal as FileStream.</summary>
[TestFixture]
public sealed class AppendShareDifferentialTests
{
    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [Test]
    public void SecondOpen_AppendOrCreateNewAgainstAFirstStream_MatchesFileStream(
        [Values(FileMode.Append, FileMode.CreateNew, FileMode.OpenOrCreate)] FileMode firstMode,
        [Values(FileAccess.Write, FileAccess.ReadWrite)] FileAccess firstAccess,
        [Values(FileShare.None, FileShare.Read, FileShare.ReadWrite | FileShare.Delete)] FileShare firstShare,
        [Values(FileShare.None, FileShare.Write, FileShare.ReadWrite | FileShare.Delete)] FileShare secondShare)
    {
        if (OperatingSystem.IsWindows() && firstAccess == FileAccess.Write && secondShare == FileShare.Write)
        {
            Assert.Ignore("Windows: the first stream is write-only, which opens read-write, so a second open that denies read sharing fails (docs/filestream-parity.md, difference 15).");
        }

        _twins.Seed(firstMode == FileMode.CreateNew ? null : "0123456789"u8.ToArray());
        string expected = Run(StreamKind.FileStream, firstMode, firstAccess, firstShare, secondShare);
        string actual = Run(StreamKind.Mapped, firstMode, firstAccess, firstShare, secondShare);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    private Stream Open(StreamKind kind, FileMode mode, FileAccess access, FileShare share) => kind == StreamKind.FileStream
        ? new FileStream(_twins.FilePath, mode, access, share, bufferSize: 1)
        : new MappedFileStream(_twins.MappedPath, mode, access, share, bufferSize: 1);

    private string Run(StreamKind kind, FileMode firstMode, FileAccess firstAccess, FileShare firstShare, FileShare secondShare)
    {
        Stream first;
        try
        {
            first = Open(kind, firstMode, firstAccess, firstShare);
        }
        catch (Exception ex)
        {
            return "first throws " + ex.GetType().Name;
        }

        using (first)
        {
            first.Write("first"u8);
            try
            {
                using Stream second = Open(kind, FileMode.Append, FileAccess.Write, secondShare);
                long start = second.Position;
                second.Write("second"u8);
                first.Write("!"u8);
                return $"second opened at {start}, Length={second.Length}/{first.Length}";
            }
            catch (Exception ex)
            {
                return "second throws " + ex.GetType().Name;
            }
        }
    }
}
