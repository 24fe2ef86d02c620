using System;
using System.IO;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// On Linux the library's size and presence locks are byte-range locks on the data file, which a <see cref="FileStream.Lock"/>
/// of the whole file conflicts with (docs/filestream-parity.md, difference 17). A lock of this process can never be waited
/// out by the thread that may hold it: the open fails at once instead of waiting for good.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("macos")]
public sealed class MappedFileStreamRecordLockTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("locked.bin");
        File.WriteAllBytes(_path, "0123456789"u8.ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [LinuxOnly("the library's locks are on the data file on Linux only")]
    public async Task Open_WhileThisProcessLocksTheWholeFile_ThrowsIOExceptionAndOpensOnceUnlocked(
        [Values(FileAccess.Read, FileAccess.ReadWrite)] FileAccess access,
        [Values(FileShare.Read, FileShare.ReadWrite | FileShare.Delete)] FileShare share,
        [Values(0L, long.MaxValue)] long lockLength)
    {
        using var locker = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        locker.Lock(0, lockLength);

        // On another thread, so that a wait for the lock could not end even if the lock belonged to the waiting thread.
        Task<Exception?> open = Task.Run(() =>
        {
            try
            {
                using var stream = new MappedFileStream(_path, FileMode.Open, access, share);
                return stream.ReadByte() == '0' ? null : new InvalidDataException("wrong first byte");
            }
            catch (Exception ex)
            {
                return ex;
            }
        });

        (await open.WaitAsync(s_guard)).ShouldBeOfType<IOException>();

        locker.Unlock(0, lockLength);
        using var reopened = new MappedFileStream(_path, FileMode.Open, access, share);
        reopened.ReadByte().ShouldBe('0');
    }
}
