using System;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Three processes adding to the same cells of one mapped file: every update counts exactly once.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed class CrossProcessAtomicTests
{
    private const int PerProcess = 1_000_000;
    private const int LastCell = 65528;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("counters.bin");
        File.WriteAllBytes(_path, new byte[(int)WindowsMemory.Granularity]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Interlocked_ThreeProcessesOnOneFile_CountExactly()
    {
        int length = (int)WindowsMemory.Granularity;
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(2 * length));
        try
        {
            WindowsMemory.SplitPlaceholder(address, (nuint)length);
            using (SafeMemoryMappedFileHandle section = FileSections.ForFile(file, length, ViewProtection.ReadWrite, _path))
            {
                WindowsMemory.MapIntoPlaceholder(section, address, (nuint)length, 0, ViewProtection.ReadWrite, _path);
            }

            string goName = $@"Local\emmap-test-{Guid.NewGuid():N}-go";
            using var go = new EventWaitHandle(false, EventResetMode.ManualReset, goName);
            using ChildHost first = ChildHost.Start("win-atomic-add", _path, PerProcess.ToString(), goName);
            using ChildHost second = ChildHost.Start("win-atomic-add", _path, PerProcess.ToString(), goName);
            first.ReadLine().ShouldBe("ready");
            second.ReadLine().ShouldBe("ready");

            go.Set();
            for (int i = 0; i < PerProcess; i++)
            {
                Interlocked.Increment(ref ViewMemory.Cell(address, 0));
                Interlocked.Add(ref ViewMemory.Cell(address, LastCell), 3);
            }

            first.ReadLine().ShouldBe("done");
            second.ReadLine().ShouldBe("done");
            first.ShouldExitWith(0);
            second.ShouldExitWith(0);

            Volatile.Read(ref ViewMemory.Cell(address, 0)).ShouldBe(3L * PerProcess);
            Volatile.Read(ref ViewMemory.Cell(address, LastCell)).ShouldBe(9L * PerProcess);
            BitConverter.ToInt64(ViewMemory.ReadFile(_path, LastCell, 8)).ShouldBe(9L * PerProcess);

            WindowsMemory.UnmapToPlaceholder(address);
        }
        finally
        {
            WindowsMemory.CoalescePlaceholders(address, (nuint)(2 * length));
            WindowsMemory.TryReleasePlaceholder(address).ShouldBeTrue();
        }
    }
}
