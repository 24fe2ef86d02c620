using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>Opens with edge paths, modes and options (null and empty paths, bad enums, directories, trailing separators, relative paths, missing files): the same stream or exception, with ParamName, as FileStream.</summary>
[TestFixture]
[UnsupportedOSPlatform("windows")]
public sealed class OpenEdgeDifferentialTests
{
    private static readonly byte[] s_content = "0123456789"u8.ToArray();

    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    public delegate Stream Opener(StreamKind kind, string path);

    public static IEnumerable<TestCaseData> Openings()
    {
        yield return Case("null path, mode", (k, _) => k == StreamKind.FileStream ? new FileStream(null!, FileMode.Open) : new MappedFileStream(null!, FileMode.Open));
        yield return Case("empty path, options", (k, _) => k == StreamKind.FileStream ? new FileStream(string.Empty, new FileStreamOptions()) : new MappedFileStream(string.Empty, new FileStreamOptions()));
        yield return Case("null path, null options", (k, _) => k == StreamKind.FileStream ? new FileStream(null!, (FileStreamOptions)null!) : new MappedFileStream(null!, (FileStreamOptions)null!));
        yield return Case("whitespace path", (k, p) => Open(k, Path.Combine(Path.GetDirectoryName(p)!, " "), FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("null character", (k, p) => Open(k, p + "\0", FileMode.Open, FileAccess.Read));
        yield return Case("mode 0", (k, p) => Open(k, p, 0, FileAccess.Read));
        yield return Case("access 0", (k, p) => Open(k, p, FileMode.Open, 0));
        yield return Case("share 0x20", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, (FileShare)0x20));
        yield return Case("Create + Read", (k, p) => Open(k, p, FileMode.Create, FileAccess.Read));
        yield return Case("Append + ReadWrite", (k, p) => Open(k, p, FileMode.Append, FileAccess.ReadWrite));
        yield return Case("Append + Read", (k, p) => Open(k, p, FileMode.Append, FileAccess.Read));
        yield return Case("Truncate + Read", (k, p) => Open(k, p, FileMode.Truncate, FileAccess.Read));
        yield return Case("negative bufferSize with bad mode", (k, p) => Open(k, p, FileMode.Create, FileAccess.Read, FileShare.Read, -1));
        yield return Case("negative bufferSize", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.Read, -1));
        yield return Case("bad options", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.Read, 1, (FileOptions)2));
        yield return Case("Encrypted", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Encrypted));
        yield return Case("options Append + ReadWrite", (k, p) => Options(k, p, new() { Mode = FileMode.Append, Access = FileAccess.ReadWrite }));
        yield return Case("options Truncate + Read", (k, p) => Options(k, p, new() { Mode = FileMode.Truncate, Access = FileAccess.Read }));
        yield return Case("options preallocation + Read", (k, p) => Options(k, p, new() { Mode = FileMode.Create, Access = FileAccess.Read, PreallocationSize = 5 }));
        yield return Case("options preallocation + Open", (k, p) => Options(k, p, new() { Mode = FileMode.Open, Access = FileAccess.Write, PreallocationSize = 5 }));
        yield return Case("options preallocation + Open + Read", (k, p) => Options(k, p, new() { Mode = FileMode.Open, Access = FileAccess.Read, PreallocationSize = 5 }));
        yield return Case("options preallocation + OpenOrCreate + Read", (k, p) => Options(k, p, new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.Read, PreallocationSize = 5 }));
        yield return Case("options preallocation + Append", (k, p) => Options(k, p, new() { Mode = FileMode.Append, Access = FileAccess.Write, PreallocationSize = 5 }));
        yield return Case("options preallocation + Truncate", (k, p) => Options(k, p, new() { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, PreallocationSize = 5 }));
        yield return Case("options preallocation + UnixCreateMode + Open", (k, p) => Options(k, p, new() { Mode = FileMode.Open, Access = FileAccess.ReadWrite, PreallocationSize = 5, UnixCreateMode = UnixFileMode.UserRead }));
        yield return Case("options UnixCreateMode + Open", (k, p) => Options(k, p, new() { Mode = FileMode.Open, UnixCreateMode = UnixFileMode.UserRead }));
        yield return Case("options UnixCreateMode + Truncate + Read", (k, p) => Options(k, p, new() { Mode = FileMode.Truncate, Access = FileAccess.Read, UnixCreateMode = UnixFileMode.UserRead }));
        yield return Case("options UnixCreateMode + Create + Read", (k, p) => Options(k, p, new() { Mode = FileMode.Create, Access = FileAccess.Read, UnixCreateMode = UnixFileMode.UserRead }));
        yield return Case("options UnixCreateMode with bits over 0777", (k, p) => Options(k, p + ".new", new() { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, UnixCreateMode = (UnixFileMode)0xFFFF }));
        yield return Case("options Create with delete-on-close existing", (k, p) => Options(k, p, new() { Mode = FileMode.Open, Access = FileAccess.Read, Options = FileOptions.DeleteOnClose }));
        yield return Case("trailing separator, Open", (k, p) => Open(k, p + "/", FileMode.Open, FileAccess.Read));
        yield return Case("trailing separator, OpenOrCreate", (k, p) => Open(k, p + "/", FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("trailing separator, Create", (k, p) => Open(k, p + "/", FileMode.Create, FileAccess.ReadWrite));
        yield return Case("trailing separator, CreateNew missing", (k, p) => Open(k, p + ".new/", FileMode.CreateNew, FileAccess.ReadWrite));
        yield return Case("trailing separator, OpenOrCreate missing", (k, p) => Open(k, p + ".new/", FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("trailing separator, OpenOrCreate missing read", (k, p) => Open(k, p + ".new/", FileMode.OpenOrCreate, FileAccess.Read));
        yield return Case("trailing separator, Append missing", (k, p) => Open(k, p + ".new/", FileMode.Append, FileAccess.Write));
        yield return Case("trailing separator, Truncate", (k, p) => Open(k, p + "/", FileMode.Truncate, FileAccess.Write));
        yield return Case("trailing dot, Open", (k, p) => Open(k, p + "/.", FileMode.Open, FileAccess.Read));
        yield return Case("directory, OpenOrCreate read", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.OpenOrCreate, FileAccess.Read));
        yield return Case("directory, Open read", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.Open, FileAccess.Read));
        yield return Case("directory with separator, Open read", (k, p) => Open(k, Path.GetDirectoryName(p)! + "/", FileMode.Open, FileAccess.Read));
        yield return Case("directory, Append", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.Append, FileAccess.Write));
        yield return Case("directory, CreateNew", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.CreateNew, FileAccess.Write));
        yield return Case("directory, Create", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.Create, FileAccess.Write));
        yield return Case("directory, Truncate", (k, p) => Open(k, Path.GetDirectoryName(p)!, FileMode.Truncate, FileAccess.Write));
        yield return Case("missing, Truncate", (k, p) => Open(k, p + ".missing", FileMode.Truncate, FileAccess.Write));
        yield return Case("missing, Open", (k, p) => Open(k, p + ".missing", FileMode.Open, FileAccess.Read));
        yield return Case("missing, Open, shared all", (k, p) => Open(k, p + ".missing", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        yield return Case("missing dir, OpenOrCreate", (k, p) => Open(k, p + ".d/x", FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("file as dir, OpenOrCreate", (k, p) => Open(k, p + "/x", FileMode.OpenOrCreate, FileAccess.ReadWrite));
        yield return Case("file as dir, Open read shared all", (k, p) => Open(k, p + "/x", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        yield return Case("relative path", (k, p) => Open(k, Path.GetRelativePath(Environment.CurrentDirectory, p), FileMode.Open, FileAccess.Read));
        yield return Case("dot-dot path", (k, p) => Open(k, Path.Combine(Path.GetDirectoryName(p)!, "..", Path.GetFileName(Path.GetDirectoryName(p))!, Path.GetFileName(p)), FileMode.Open, FileAccess.Read));
        yield return Case("double slash path", (k, p) => Open(k, Path.GetDirectoryName(p)! + "//" + Path.GetFileName(p), FileMode.Open, FileAccess.ReadWrite));
        yield return Case("Open shared all, read, delete-on-close", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.DeleteOnClose));
        yield return Case("Open shared all, read, bufferSize 0", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0));
        yield return Case("Open share Inheritable|ReadWrite|Delete", (k, p) => Open(k, p, FileMode.Open, FileAccess.Read, FileShare.Inheritable | FileShare.ReadWrite | FileShare.Delete));
        yield return Case("Open share None twice", (k, p) =>
        {
            using Stream first = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        });
        yield return Case("Open shared all twice then None", (k, p) =>
        {
            using Stream first = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using Stream second = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
        });
        yield return Case("deferred read then None", (k, p) =>
        {
            using Stream first = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            first.ReadByte();
            first.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        });
        yield return Case("deferred, many reads, then None after dispose", (k, p) =>
        {
            using Stream first = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            for (int i = 0; i < 12; i++)
            {
                first.Position = 0;
                first.ReadByte();
            }

            first.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        });
        yield return Case("deferred, mapped, then None while open", (k, p) =>
        {
            using Stream first = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            for (int i = 0; i < 12; i++)
            {
                first.Position = 0;
                first.ReadByte();
            }

            return Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        });
        yield return Case("writer then reader with None", (k, p) =>
        {
            using Stream writer = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            writer.Dispose();
            using Stream reader = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
        });
        yield return Case("reader, writer disposed, then None", (k, p) =>
        {
            using Stream reader = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using (Stream writer = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
                writer.WriteByte(1);
            }

            reader.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
        });
        yield return Case("two writers share all, first disposed, then None", (k, p) =>
        {
            Stream a = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            using Stream b = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            a.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
        });
        yield return Case("two writers share all, then None after both", (k, p) =>
        {
            Stream a = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            Stream b = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            a.Dispose();
            b.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.None);
        });
        yield return Case("writer share all, reader share Read", (k, p) =>
        {
            using Stream a = Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            return Open(k, p, FileMode.Open, FileAccess.Read, FileShare.Read);
        });
        yield return Case("reader share all, second reader share None after first disposed via finalizer-less path", (k, p) =>
        {
            Stream a = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Stream b = Open(k, p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            b.ReadByte();
            a.Dispose();
            b.Dispose();
            return Open(k, p, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        });
    }

    [TestCaseSource(nameof(Openings))]
    public void Open_EdgeCases_MatchFileStreamIncludingParamName(Opener open)
    {
        _twins.Seed(s_content);

        string expected = Describe(() => open(StreamKind.FileStream, _twins.FilePath), _twins.FilePath);
        string actual = Describe(() => open(StreamKind.Mapped, _twins.MappedPath), _twins.MappedPath);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    [LinuxOnly("opens /dev/null")]
    public void Open_ADevice_IsRefusedWhereFileStreamOpensIt()
    {
        // Difference 3 of docs/filestream-parity.md: only regular files can be mapped.
        Describe(() => new FileStream("/dev/null", FileMode.Open, FileAccess.Read), "/dev/null").ShouldStartWith("opened");
        Should.Throw<NotSupportedException>(() => new MappedFileStream("/dev/null", FileMode.Open, FileAccess.Read));
    }

    private static string Describe(Func<Stream> open, string path)
    {
        Stream stream;
        try
        {
            stream = open();
        }
        catch (Exception ex)
        {
            return "throws " + EdgeMemberDifferentialTests.Name(ex);
        }

        using (stream)
        {
            string name = stream is FileStream f ? f.Name : ((MappedFileStream)stream).Name;
            string root = Path.GetDirectoryName(Path.GetDirectoryName(path))!;
            return $"opened Name={name.Replace(root, "<root>", StringComparison.Ordinal).Replace("/mapped/", "/file/", StringComparison.Ordinal)} " +
                $"Length={stream.Length} Position={stream.Position} {stream.CanRead} {stream.CanWrite}";
        }
    }

    private static Stream Open(StreamKind kind, string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read, int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        kind == StreamKind.FileStream
            ? new FileStream(path, mode, access, share, bufferSize, options)
            : new MappedFileStream(path, mode, access, share, bufferSize, options);

    private static Stream Options(StreamKind kind, string path, FileStreamOptions options) =>
        kind == StreamKind.FileStream ? new FileStream(path, options) : new MappedFileStream(path, options);

    private static TestCaseData Case(string name, Opener open) => new TestCaseData(open).SetArgDisplayNames(name);
}
