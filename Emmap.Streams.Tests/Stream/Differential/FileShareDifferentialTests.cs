using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// Sharing conflicts, differentially: with a first stream open on the file, a second open succeeds or fails exactly as when
/// both are <see cref="FileStream"/>s, whichever of the two is a <see cref="MappedFileStream"/>, and a refused open leaves the
/// file as it was (a <see cref="FileMode.Create"/> refused for sharing truncates nothing). On Windows, two documented differences
/// are part of the expectation (see <c>Expected</c>).
/// </summary>
[TestFixture]
public sealed class FileShareDifferentialTests
{
    private static readonly byte[] s_content = "shared content"u8.ToArray();
    private static readonly FileShare[] s_shares =
        [FileShare.None, FileShare.Read, FileShare.Write, FileShare.ReadWrite, FileShare.ReadWrite | FileShare.Delete];

    private static readonly FileMode[] s_secondModes = [FileMode.Open, FileMode.OpenOrCreate, FileMode.Create, FileMode.Truncate];

    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [TestCase(StreamKind.Mapped, StreamKind.Mapped)]
    [TestCase(StreamKind.FileStream, StreamKind.Mapped)]
    [TestCase(StreamKind.Mapped, StreamKind.FileStream)]
    public void SecondOpen_EveryAccessShareAndModeAgainstAFirstStream_MatchesTwoFileStreams(StreamKind first, StreamKind second)
    {
        var mismatches = new List<string>();
        int combinations = 0;
        foreach (FileAccess firstAccess in Enum.GetValues<FileAccess>())
        {
            foreach (FileShare firstShare in s_shares)
            {
                foreach (FileMode secondMode in s_secondModes)
                {
                    foreach (FileAccess secondAccess in Enum.GetValues<FileAccess>())
                    {
                        foreach (FileShare secondShare in s_shares)
                        {
                            combinations++;
                            _twins.Seed(s_content);
                            string expected = Expected(first, second, firstAccess, firstShare, secondMode, secondAccess, secondShare, out bool truncationRefused);
                            string actual = SecondOpen(first, second, _twins.MappedPath, firstAccess, firstShare, secondMode, secondAccess, secondShare);
                            string expectedBytes = Convert.ToHexString(truncationRefused ? s_content : File.ReadAllBytes(_twins.FilePath));
                            string actualBytes = Convert.ToHexString(File.ReadAllBytes(_twins.MappedPath));
                            if (actual != expected || actualBytes != expectedBytes)
                            {
                                mismatches.Add(
                                    $"first {firstAccess}/{firstShare}, second {secondMode}/{secondAccess}/{secondShare}: " +
                                    $"FileStream {expected} [{expectedBytes}], here {actual} [{actualBytes}]");
                            }
                        }
                    }
                }
            }
        }

        combinations.ShouldBe(900);
        mismatches.ShouldBeEmpty(string.Join(Environment.NewLine, mismatches.Take(20)));
    }

    [Test]
    public void Open_WhileAMappedStreamHoldsTheFileWithShareNone_RefusesEveryOtherOpenerUntilItIsDisposed()
    {
        _twins.Seed(s_content);
        string path = _twins.MappedPath;

        using (var holder = new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            Should.Throw<IOException>(() => new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            Should.Throw<IOException>(() => MappedFileStream.Open(path));
            Should.Throw<IOException>(() => File.ReadAllBytes(path));
            holder.Write("SHARED"u8);
        }

        File.ReadAllBytes(path).ShouldBe("SHARED content"u8.ToArray());
        using var again = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
    }

    [TestCase(StreamKind.FileStream)]
    [TestCase(StreamKind.Mapped)]
    public void Open_AfterAStreamHoldingTheFileIsDroppedWithoutDispose_SucceedsOnceTheStreamIsCollected(StreamKind kind)
    {
        // A dropped stream's finalizer lets go of its sharing lock, and of a DeleteOnClose file, at the next collection.
        _twins.Seed(s_content);
        string path = _twins.PathOf(kind);
        string temporary = path + ".delete-on-close";
        // Held in an array until the check, so that no collection before it can take them; then the slots are cleared.
        Stream?[] dropped = OpenBoth(kind, path, temporary);
        Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite).Dispose());
        File.Exists(temporary).ShouldBeTrue();
        Array.Clear(dropped);

        for (int round = 0; round < 2; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        using (var again = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            again.Length.ShouldBe(s_content.Length);
        }

        File.Exists(temporary).ShouldBeFalse("the dropped stream's file was DeleteOnClose");
    }

    [Test]
    public void Open_AfterAViewOutlivesItsStream_TheSharingLockIsGoneWithTheStream()
    {
        _twins.Seed(s_content);
        string path = _twins.MappedPath;
        System.Buffers.IMemoryOwner<byte> view;
        using (var stream = new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            view = stream.ReadDirect(0, 6);
        }

        if (TestPlatform.IsWine)
        {
            // Wine counts a mapping of the file as an open of it with the mapping's access: the exclusive open waits for the
            // view. (Windows drops a handle's sharing when the handle closes, whatever still maps the file.)
            Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None));
            view.Dispose();
            using var afterTheView = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return;
        }

        using (view)
        using (var exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            view.Memory.Span.ToArray().ShouldBe("shared"u8.ToArray());
        }
    }

    [Test]
    public void Open_AfterAViewOutlivesAnEmmapStyleStream_TheSharingLockIsGoneWithTheStream()
    {
        // MappedFileStream.Open's own open is also the file's mapping descriptor, which the view keeps open.
        _twins.Seed(s_content);
        string path = _twins.MappedPath;
        System.Buffers.IMemoryOwner<byte> view;
        using (var stream = MappedFileStream.Open(path))
        {
            view = stream.ReadDirect(0, 6);
            Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None));
        }

        if (TestPlatform.IsWine)
        {
            // Wine counts a mapping of the file as an open of it with the mapping's access: the exclusive open waits for the
            // view. (Windows drops a handle's sharing when the handle closes, whatever still maps the file.)
            Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None));
            view.Dispose();
            using var afterTheView = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return;
        }

        using (view)
        using (var exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            view.Memory.Span.ToArray().ShouldBe("shared"u8.ToArray());
        }
    }

    [Test]
    public void Open_AReadWriteStreamAfterAReadOnlyOne_KeepsTheFirstStreamsSharingLockUntilItIsDisposed()
    {
        _twins.Seed(s_content);
        string path = _twins.MappedPath;
        var reader = MappedFileStream.Open(path);
        using (var writer = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            writer.WriteAt(0, "SHARED"u8);
        }

        Should.Throw<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None));
        byte[] read = new byte[6];
        reader.ReadAt(0, read).ShouldBe(6);
        read.ShouldBe("SHARED"u8.ToArray());
        reader.Dispose();

        using var exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
    }

    /// <summary>
    /// What two <see cref="FileStream"/>s do, with the two differences of a mapped stream on Windows (docs/filestream-parity.md,
    /// differences 15 and 16): a write-only mapped stream holds read access too (a writable view needs it), and while a mapped
    /// stream has the file open, a <see cref="FileStream"/> open that truncates it (<see cref="FileMode.Create"/>,
    /// <see cref="FileMode.Truncate"/>) is refused, as for any mapped file. (A second mapped stream empties the file through
    /// the library instead, as everywhere: parity difference 10.)
    /// </summary>
    private string Expected(
        StreamKind first, StreamKind second, FileAccess firstAccess, FileShare firstShare, FileMode secondMode, FileAccess secondAccess, FileShare secondShare, out bool truncationRefused)
    {
        truncationRefused = false;
        if (!OperatingSystem.IsWindows())
        {
            return SecondOpen(StreamKind.FileStream, StreamKind.FileStream, _twins.FilePath, firstAccess, firstShare, secondMode, secondAccess, secondShare);
        }

        string expected = SecondOpen(
            StreamKind.FileStream, StreamKind.FileStream, _twins.FilePath, Held(first, firstAccess), firstShare, secondMode, Held(second, secondAccess), secondShare);
        if (first == StreamKind.Mapped && second == StreamKind.FileStream && secondMode is FileMode.Create or FileMode.Truncate
            && expected.StartsWith("opened", StringComparison.Ordinal))
        {
            truncationRefused = true;
            return $"throws IOException; first sees Length={s_content.Length}";
        }

        return expected;

        static FileAccess Held(StreamKind kind, FileAccess access) =>
            kind == StreamKind.Mapped && access == FileAccess.Write ? FileAccess.ReadWrite : access;
    }

    private static string SecondOpen(
        StreamKind first, StreamKind second, string path, FileAccess firstAccess, FileShare firstShare, FileMode secondMode, FileAccess secondAccess, FileShare secondShare)
    {
        using Stream holder = Twins.Open(first, OpenForm.ModeAccessShare, path, FileMode.Open, firstAccess, firstShare);
        try
        {
            using Stream other = Twins.Open(second, OpenForm.ModeAccessShare, path, secondMode, secondAccess, secondShare);
            return $"opened Length={other.Length}; first sees Length={holder.Length}";
        }
        catch (Exception ex)
        {
            return $"throws {ex.GetType().Name}; first sees Length={holder.Length}";
        }
    }

    // Opens both files with FileShare.None, in a method of its own, so that no local of the test's frame refers to the streams (Debug builds keep locals alive).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Stream?[] OpenBoth(StreamKind kind, string path, string deleteOnClose) =>
        [Open(kind, path, FileOptions.None), Open(kind, deleteOnClose, FileOptions.DeleteOnClose)];

    private static Stream Open(StreamKind kind, string path, FileOptions options)
    {
        Stream stream = kind == StreamKind.FileStream
            ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, options)
            : new MappedFileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, options);
        stream.ReadByte();
        return stream;
    }
}
