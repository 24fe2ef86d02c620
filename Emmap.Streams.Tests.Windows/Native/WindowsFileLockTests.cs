using System;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Byte-range locks (<c>LockFileEx</c>) on a range far past the data, as the size coordination will use them.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows")]
public sealed class WindowsFileLockTests
{
    /// <summary>Far beyond any data: locks there never block reads or writes of the file's bytes.</summary>
    private const long LockOffset = 0x7FFF_FFFF_0000_0000;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("locked.bin");
        File.WriteAllBytes(_path, new byte[4096]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void TryLock_ExclusiveHeldByAnotherHandle_ReturnsFalseUntilUnlocked()
    {
        using SafeFileHandle holder = ViewMemory.Open(_path);
        using SafeFileHandle other = ViewMemory.Open(_path);

        WindowsFile.TryLock(holder, LockOffset, 8, exclusive: true, _path).ShouldBeTrue();

        WindowsFile.TryLock(other, LockOffset, 8, exclusive: true, _path).ShouldBeFalse();
        WindowsFile.TryLock(other, LockOffset + 4, 1, exclusive: false, _path).ShouldBeFalse("the ranges overlap");
        WindowsFile.TryLock(other, LockOffset + 8, 8, exclusive: true, _path).ShouldBeTrue("the next range is free");

        WindowsFile.Unlock(holder, LockOffset, 8, _path);
        WindowsFile.TryLock(other, LockOffset, 8, exclusive: true, _path).ShouldBeTrue();
    }

    [Test]
    public void TryLock_SharedBesideShared_SucceedsAndExclusiveIsRefused()
    {
        using SafeFileHandle first = ViewMemory.Open(_path);
        using SafeFileHandle second = ViewMemory.Open(_path);
        using SafeFileHandle third = ViewMemory.Open(_path);

        WindowsFile.TryLock(first, LockOffset, 8, exclusive: false, _path).ShouldBeTrue();
        WindowsFile.TryLock(second, LockOffset, 8, exclusive: false, _path).ShouldBeTrue();

        WindowsFile.TryLock(third, LockOffset, 8, exclusive: true, _path).ShouldBeFalse();
    }

    [Test]
    public void Lock_Exclusive_WaitsUntilTheHolderUnlocks()
    {
        using SafeFileHandle holder = ViewMemory.Open(_path);
        using SafeFileHandle waiter = ViewMemory.Open(_path);
        WindowsFile.Lock(holder, LockOffset, 8, exclusive: true, _path);

        Task waiting = Task.Factory.StartNew(
            () => WindowsFile.Lock(waiter, LockOffset, 8, exclusive: true, _path), TaskCreationOptions.LongRunning);

        waiting.Wait(TimeSpan.FromMilliseconds(300)).ShouldBeFalse("the lock is held");
        WindowsFile.Unlock(holder, LockOffset, 8, _path);
        waiting.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue("the unlock lets the waiter in");
        WindowsFile.TryLock(holder, LockOffset, 8, exclusive: false, _path).ShouldBeFalse("the waiter holds it now");
    }

    [Test]
    public void TryLock_FarPastTheData_DoesNotBlockReadsAndWritesOfOtherHandles()
    {
        using SafeFileHandle holder = ViewMemory.Open(_path);
        WindowsFile.TryLock(holder, LockOffset, 8, exclusive: true, _path).ShouldBeTrue();

        using SafeFileHandle other = ViewMemory.Open(_path);
        RandomAccess.Write(other, "data"u8, 4092);
        RandomAccess.Write(other, "more"u8, 4096);

        ViewMemory.ReadFile(_path, 4092, 8).ShouldBe("datamore"u8.ToArray());
    }

    [Test]
    public void TryLock_HolderProcessKilled_TheLockIsReleased()
    {
        using SafeFileHandle file = ViewMemory.Open(_path);
        using (ChildHost holder = ChildHost.Start("win-hold-lock", _path, LockOffset.ToString(), "8"))
        {
            holder.ReadLine().ShouldBe("locked");
            WindowsFile.TryLock(file, LockOffset, 8, exclusive: false, _path).ShouldBeFalse("another process holds it");
        }

        // Disposing the child host killed it; the system drops its locks as the process goes.
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        bool locked;
        while (!(locked = WindowsFile.TryLock(file, LockOffset, 8, exclusive: true, _path)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        locked.ShouldBeTrue();
    }
}
