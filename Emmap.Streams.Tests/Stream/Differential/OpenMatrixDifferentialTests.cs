using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Versioning;
using System.Text;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// The open matrix, differentially: every <see cref="FileMode"/> × <see cref="FileAccess"/> × (missing, empty, non-empty file),
/// through each constructor, opens or fails on a <see cref="MappedFileStream"/> exactly as on a <see cref="FileStream"/>: same
/// exception type, same length, position and capabilities, same bytes after a first read and write, same file left on disk.
/// </summary>
[TestFixture]
[UnsupportedOSPlatform("windows")]
public sealed class OpenMatrixDifferentialTests
{
    private static readonly byte[] s_content = "0123456789"u8.ToArray();
    private static readonly byte[] s_firstWrite = [0xA1, 0xA2, 0xA3];

    private Twins _twins = null!;

    public enum FileState
    {
        Missing,
        Empty,
        NonEmpty,
    }

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    public static IEnumerable<TestCaseData> Matrix()
    {
        foreach (OpenForm form in Enum.GetValues<OpenForm>())
        {
            FileAccess[] accesses = form == OpenForm.Mode ? [FileAccess.ReadWrite] : Enum.GetValues<FileAccess>();
            foreach (FileMode mode in Enum.GetValues<FileMode>())
            {
                foreach (FileAccess access in accesses)
                {
                    foreach (FileState state in Enum.GetValues<FileState>())
                    {
                        string accessName = form == OpenForm.Mode ? "default" : access.ToString();
                        yield return new TestCaseData(form, mode, access, state).SetArgDisplayNames(form.ToString(), mode.ToString(), accessName, state.ToString());
                    }
                }
            }
        }
    }

    [TestCaseSource(nameof(Matrix))]
    public void Open_EveryModeAccessAndFileState_MatchesFileStream(OpenForm form, FileMode mode, FileAccess access, FileState state)
    {
        _twins.Seed(state switch
        {
            FileState.Missing => null,
            FileState.Empty => [],
            _ => s_content,
        });

        string expected = OpenAndUse(StreamKind.FileStream, form, mode, access);
        string actual = OpenAndUse(StreamKind.Mapped, form, mode, access);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    public static IEnumerable<TestCaseData> InvalidArguments()
    {
        yield return Case("null path", (kind, _) => Twins.Open(kind, OpenForm.ModeAccess, null!, FileMode.Open, FileAccess.Read));
        yield return Case("empty path", (kind, _) => Twins.Open(kind, OpenForm.ModeAccess, string.Empty, FileMode.Open, FileAccess.Read));
        yield return Case("null character", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path + "\0x", FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("mode 0", (kind, path) => Twins.Open(kind, OpenForm.Mode, path, 0));
        yield return Case("mode 7", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path, (FileMode)7, FileAccess.Read));
        yield return Case("access 0", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path, FileMode.OpenOrCreate, 0));
        yield return Case("access 4", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path, FileMode.OpenOrCreate, (FileAccess)4));
        yield return Case("share 32", (kind, path) => Twins.Open(kind, OpenForm.ModeAccessShare, path, FileMode.OpenOrCreate, FileAccess.ReadWrite, (FileShare)32));
        yield return Case("share -1", (kind, path) => Twins.Open(kind, OpenForm.ModeAccessShare, path, FileMode.OpenOrCreate, FileAccess.ReadWrite, (FileShare)(-1)));
        yield return Case("share Inheritable", (kind, path) => Twins.Open(kind, OpenForm.ModeAccessShare, path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Inheritable));
        yield return Case("mode and access both invalid, missing file", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path + ".missing", FileMode.Truncate, FileAccess.Read));
        yield return Case("bad mode with a null character", (kind, path) => Twins.Open(kind, OpenForm.ModeAccess, path + "\0", (FileMode)9, FileAccess.Read));
        yield return Case("negative buffer size", (kind, path) => kind == StreamKind.FileStream
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, -1)
            : new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, -1));
        yield return Case("buffer size 0 and 1", (kind, path) =>
        {
            using Stream unbuffered = kind == StreamKind.FileStream
                ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0)
                : new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
            return kind == StreamKind.FileStream
                ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true)
                : new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        });
        yield return Case("undefined FileOptions", (kind, path) => kind == StreamKind.FileStream
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, (FileOptions)1)
            : new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, (FileOptions)1));
        yield return Case("null options", (kind, path) => kind == StreamKind.FileStream
            ? new FileStream(path, (FileStreamOptions)null!)
            : new MappedFileStream(path, (FileStreamOptions)null!));
        yield return Options("Append and ReadWrite", new() { Mode = FileMode.Append, Access = FileAccess.ReadWrite });
        yield return Options("Create and Read", new() { Mode = FileMode.Create, Access = FileAccess.Read });
        yield return Options("preallocation with Open", new() { Mode = FileMode.Open, Access = FileAccess.ReadWrite, PreallocationSize = 100 });
        yield return Options("preallocation with OpenOrCreate", new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, PreallocationSize = 100 });
        yield return Options("preallocation with Truncate", new() { Mode = FileMode.Truncate, Access = FileAccess.Write, PreallocationSize = 100 });
        yield return Options("preallocation with Append", new() { Mode = FileMode.Append, Access = FileAccess.Write, PreallocationSize = 100 });
        yield return Options("preallocation and Read", new() { Mode = FileMode.Create, Access = FileAccess.Read, PreallocationSize = 100 });
        yield return Options("creation mode with Open", new() { Mode = FileMode.Open, UnixCreateMode = UnixFileMode.UserRead });
        yield return Options("creation mode with Truncate", new() { Mode = FileMode.Truncate, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead });
    }

    [TestCaseSource(nameof(InvalidArguments))]
    public void Open_InvalidArgumentsOrCombinations_MatchFileStream(Func<StreamKind, string, Stream> open)
    {
        _twins.Seed(s_content);

        string expected = Describe(() => open(StreamKind.FileStream, _twins.FilePath));
        string actual = Describe(() => open(StreamKind.Mapped, _twins.MappedPath));

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    public static IEnumerable<TestCaseData> NewFileOptions()
    {
        yield return Options("CreateNew with a preallocation", new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = 1 << 20 });
        yield return Options("Create with a preallocation", new() { Mode = FileMode.Create, Access = FileAccess.ReadWrite, PreallocationSize = 1 << 20 });
        yield return Options("a preallocation that cannot fit", new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = long.MaxValue });
        yield return Options("creation mode 0640", new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = (UnixFileMode)0b110_100_000 });
        yield return Options("OpenOrCreate with creation mode, read-only", new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.Read, UnixCreateMode = UnixFileMode.UserRead });
        yield return Options("DeleteOnClose", new() { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose });
        yield return Options("Asynchronous, SequentialScan and RandomAccess", new()
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Options = FileOptions.Asynchronous | FileOptions.SequentialScan | FileOptions.RandomAccess,
        });
        yield return Options("WriteThrough", new() { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough });
        yield return Options("buffer size 0", new() { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 0 });
    }

    [TestCaseSource(nameof(NewFileOptions))]
    public void Open_NewFileWithFileStreamOptions_MatchesFileStreamIncludingPermissions(Func<StreamKind, string, Stream> open)
    {
        string expected = OpenAndUse(() => open(StreamKind.FileStream, _twins.FilePath));
        string expectedMode = File.Exists(_twins.FilePath) ? File.GetUnixFileMode(_twins.FilePath).ToString() : "none";
        string actual = OpenAndUse(() => open(StreamKind.Mapped, _twins.MappedPath));
        string actualMode = File.Exists(_twins.MappedPath) ? File.GetUnixFileMode(_twins.MappedPath).ToString() : "none";

        actual.ShouldBe(expected);
        actualMode.ShouldBe(expectedMode);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    public void Open_NewFile_GetsFileStreamsPermissionsThroughEveryConstructor([Values] OpenForm form)
    {
        using (Twins.Open(StreamKind.FileStream, form, _twins.FilePath, FileMode.CreateNew, FileAccess.ReadWrite))
        using (Twins.Open(StreamKind.Mapped, form, _twins.MappedPath, FileMode.CreateNew, FileAccess.ReadWrite))
        {
        }

        File.GetUnixFileMode(_twins.MappedPath).ShouldBe(File.GetUnixFileMode(_twins.FilePath));
    }

    private static TestCaseData Case(string name, Func<StreamKind, string, Stream> open) =>
        new TestCaseData(open).SetArgDisplayNames(name);

    private static TestCaseData Options(string name, FileStreamOptions options) =>
        Case(name, (kind, path) => kind == StreamKind.FileStream ? new FileStream(path, options) : new MappedFileStream(path, options));

    private static string Describe(Func<Stream> open)
    {
        try
        {
            using Stream stream = open();
            return $"opened Length={stream.Length}";
        }
        catch (Exception ex)
        {
            return "throws " + ex.GetType().Name;
        }
    }

    private string OpenAndUse(StreamKind kind, OpenForm form, FileMode mode, FileAccess access) =>
        OpenAndUse(() => Twins.Open(kind, form, _twins.PathOf(kind), mode, access));

    /// <summary>Opens, describes the fresh stream, reads what it can, writes a few bytes, reads them back; or names the exception.</summary>
    private static string OpenAndUse(Func<Stream> open)
    {
        Stream stream;
        try
        {
            stream = open();
        }
        catch (Exception ex)
        {
            return "throws " + ex.GetType().Name;
        }

        using (stream)
        {
            var text = new StringBuilder();
            text.Append($"Length={stream.Length} Position={stream.Position} CanRead={stream.CanRead} CanWrite={stream.CanWrite} CanSeek={stream.CanSeek}");
            if (stream.CanRead)
            {
                text.Append(" read=").Append(Convert.ToHexString(ReadRest(stream)));
            }

            if (stream.CanWrite)
            {
                stream.Write(s_firstWrite);
                text.Append($" after write: Length={stream.Length} Position={stream.Position}");
                if (stream.CanRead)
                {
                    stream.Seek(0, SeekOrigin.Begin);
                    text.Append(" read=").Append(Convert.ToHexString(ReadRest(stream)));
                }
            }

            return text.ToString();
        }
    }

    private static byte[] ReadRest(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
