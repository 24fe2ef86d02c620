using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// The life of a file's shared page when read-only processes come and go: they take the size lock shared, so one of them
/// can close as the last process while another joins. Each read-only process is stood in for by a
/// <see cref="SharedFileState"/> on its own open file description (the kernel treats its locks as another process's).
/// </summary>
[TestFixture]
[LinuxOnly("open file description locks stand in for other processes, and the page lives in /dev/shm")]
public sealed class SharedPageLifetimeTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("shared.bin");
        File.WriteAllBytes(_path, new byte[8192]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Close_LastReaderWhileAnotherReaderJoins_KeepsThePageTheJoinerUses()
    {
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        using SafeFileHandle closingFile = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using SafeFileHandle joiningFile = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

        // A writer makes the page and closes while a reader still has the file open: the page stays for the reader.
        SharedFileState closing;
        using (Open())
        {
            closing = SharedFileState.Open(identity, closingFile, writable: false, _path);
        }

        closing.IsShared.ShouldBeTrue();

        // The reader closes as FileEntry.Close does: under its shared size lock it finds nobody else and owes no trim. Another
        // reader joins in between, under its own shared size lock, which does not wait for the first.
        closing.Lock();
        closing.OthersPresent().ShouldBeFalse();
        bool forget = ReadWord(ref closing.Physical) == ReadWord(ref closing.Length);
        forget.ShouldBeTrue();
        SharedFileState joining = SharedFileState.Open(identity, joiningFile, writable: false, _path);
        try
        {
            joining.IsShared.ShouldBeTrue("the page still existed when the second reader joined");
            closing.Close(forget);

            SharedFileState.PageExists(identity).ShouldBeTrue("a reader still maps the page");

            // A writer that comes now must share the joiner's length, not start a page of its own.
            using (MappedFileStream writer = Open())
            {
                writer.SetLength(100);
                ReadWord(ref joining.Length).ShouldBe(100, "the reader sees the writer's shrink");
            }
        }
        finally
        {
            joining.Close(last: false);
        }
    }

    [Test]
    public void Close_LastProcessAReaderThatJoinedAWritersPage_DeletesThePage()
    {
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        using SafeFileHandle readerFile = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        SharedFileState reader;
        using (Open())
        {
            reader = SharedFileState.Open(identity, readerFile, writable: false, _path);
            SharedFileState.PageExists(identity).ShouldBeTrue();
        }

        SharedFileState.PageExists(identity).ShouldBeTrue("the writer closed while a reader had the file open");
        reader.Lock();
        reader.OthersPresent().ShouldBeFalse();
        reader.Close(last: true);

        SharedFileState.PageExists(identity).ShouldBeFalse("nobody has the file open any more");
        using (Open())
        {
            SharedFileState.PageExists(identity).ShouldBeTrue("the next opener makes a page again");
        }

        SharedFileState.PageExists(identity).ShouldBeFalse();
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // The page is a file in /dev/shm; the fixture runs on Linux only.
    public void Open_AWriterMakesThePage_EveryUserMayReadAndWriteIt()
    {
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        using (Open())
        {
            // 0666 whatever the umask: a process of another user who may open the data file must be able to join the page.
            File.GetUnixFileMode(SharedFileState.PagePath(identity)).ShouldBe(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        }
    }

    private static long ReadWord(ref long word) => System.Threading.Volatile.Read(ref word);

    private MappedFileStream Open() =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite });
}
