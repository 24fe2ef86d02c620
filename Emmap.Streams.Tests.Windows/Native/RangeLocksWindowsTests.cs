using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>
/// The coordination locks on Windows: presence is a byte per process (an exclusive lock cannot overlap another lock of the
/// same handle), and the test for other processes sees every presence but this process's own.
/// </summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows")]
public sealed class RangeLocksWindowsTests
{
    private const long SizeLock = 1L << 62;
    private const long Presence = SizeLock + 64;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("coordinated.bin");
        File.WriteAllBytes(_path, new byte[4096]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void RegisterPresence_TwoHandlesOfThisProcess_TakeTwoSlotsAndNeitherCountsAsAnotherProcess()
    {
        using SafeFileHandle first = ViewMemory.Open(_path);
        using SafeFileHandle second = ViewMemory.Open(_path);

        RangeLocks.OthersPresent(first, Presence, _path).ShouldBeFalse();
        RangeLocks.RegisterPresence(first, Presence, _path);
        RangeLocks.RegisterPresence(second, Presence, _path);

        RangeLocks.OthersPresent(first, Presence, _path).ShouldBeFalse();
        RangeLocks.OthersPresent(second, Presence, _path).ShouldBeFalse();
    }

    [Test]
    public void RegisterPresence_WhileAnotherHandleTestsForOthers_WaitsForTheTestInsteadOfFailing()
    {
        using SafeFileHandle tester = ViewMemory.Open(_path);
        using SafeFileHandle registrant = ViewMemory.Open(_path);

        // Another process's test for others locks the whole presence range but its own bytes for an instant: here, held
        // by another handle until the registration has had to wait for it.
        WindowsFile.Lock(tester, Presence + 1, (1L << 32) + 4, exclusive: true, _path);
        using var released = new System.Threading.Timer(_ => WindowsFile.Unlock(tester, Presence + 1, (1L << 32) + 4, _path), null, 100, System.Threading.Timeout.Infinite);

        RangeLocks.RegisterPresence(registrant, Presence, _path);

        long ownFirstSlot = Presence + 1 + (uint)System.Environment.ProcessId;
        WindowsFile.TryLock(tester, ownFirstSlot, 1, exclusive: true, _path).ShouldBeFalse("the registration holds this process's first presence slot");
    }

    [Test]
    public void Lock_SizeLockBesidePresence_NeitherBlocksTheOther()
    {
        using SafeFileHandle file = ViewMemory.Open(_path);
        using SafeFileHandle other = ViewMemory.Open(_path);

        RangeLocks.Lock(file, SizeLock, shared: false, _path);
        RangeLocks.RegisterPresence(file, Presence, _path);
        RangeLocks.TryLock(other, SizeLock, _path).ShouldBeFalse("the size lock is held");

        RangeLocks.Unlock(file, SizeLock);
        RangeLocks.TryLock(other, SizeLock, _path).ShouldBeTrue();
    }
}
