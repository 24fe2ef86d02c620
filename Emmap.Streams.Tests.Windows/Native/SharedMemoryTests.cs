using System;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Named shared memory (<c>CreateFileMapping</c> over the paging file), the home of a per-file coordination block.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed class SharedMemoryTests
{
    private string _name = null!;

    [SetUp]
    public void SetUp() => _name = $@"Local\emmap-test-{Guid.NewGuid():N}";

    [Test]
    public void OpenOrCreateShared_SecondOpen_FindsTheFirstAndItsBytes()
    {
        using SafeMemoryMappedFileHandle first = FileSections.OpenOrCreateShared(_name, 4096, out bool firstCreated);
        nint firstView = WindowsMemory.MapView(first, 4096, 0, ViewProtection.ReadWrite, _name);
        try
        {
            firstCreated.ShouldBeTrue();
            ViewMemory.Cell(firstView, 0).ShouldBe(0);
            ViewMemory.Cell(firstView, 0) = 1234;

            using SafeMemoryMappedFileHandle second = FileSections.OpenOrCreateShared(_name, 4096, out bool secondCreated);
            nint secondView = WindowsMemory.MapView(second, 4096, 0, ViewProtection.ReadWrite, _name);
            secondCreated.ShouldBeFalse();
            Volatile.Read(ref ViewMemory.Cell(secondView, 0)).ShouldBe(1234);
            WindowsMemory.TryUnmapView(secondView).ShouldBeTrue();
        }
        finally
        {
            WindowsMemory.TryUnmapView(firstView).ShouldBeTrue();
        }
    }

    [Test]
    public void OpenOrCreateShared_AfterEveryHandleAndViewIsGone_StartsAgainFromZeros()
    {
        using (SafeMemoryMappedFileHandle first = FileSections.OpenOrCreateShared(_name, 4096, out _))
        {
            nint view = WindowsMemory.MapView(first, 4096, 0, ViewProtection.ReadWrite, _name);
            ViewMemory.Cell(view, 0) = 99;
            WindowsMemory.TryUnmapView(view).ShouldBeTrue();
        }

        using SafeMemoryMappedFileHandle again = FileSections.OpenOrCreateShared(_name, 4096, out bool created);
        nint fresh = WindowsMemory.MapView(again, 4096, 0, ViewProtection.ReadWrite, _name);
        created.ShouldBeTrue();
        ViewMemory.Cell(fresh, 0).ShouldBe(0);
        WindowsMemory.TryUnmapView(fresh).ShouldBeTrue();
    }

    [Test]
    public void OpenOrCreateShared_ThreeProcessesIncrementing_CountExactly()
    {
        const int PerProcess = 1_000_000;
        using SafeMemoryMappedFileHandle section = FileSections.OpenOrCreateShared(_name, 4096, out _);
        nint view = WindowsMemory.MapView(section, 4096, 0, ViewProtection.ReadWrite, _name);
        try
        {
            string goName = _name + "-go";
            using var go = new EventWaitHandle(false, EventResetMode.ManualReset, goName);
            using ChildHost first = ChildHost.Start("win-shared-add", _name, PerProcess.ToString(), goName);
            using ChildHost second = ChildHost.Start("win-shared-add", _name, PerProcess.ToString(), goName);
            first.ReadLine().ShouldBe("ready opened");
            second.ReadLine().ShouldBe("ready opened");

            go.Set();
            for (int i = 0; i < PerProcess; i++)
            {
                Interlocked.Increment(ref ViewMemory.Cell(view, 0));
            }

            first.ReadLine().ShouldBe("done");
            second.ReadLine().ShouldBe("done");
            first.ShouldExitWith(0);
            second.ShouldExitWith(0);
            Volatile.Read(ref ViewMemory.Cell(view, 0)).ShouldBe(3 * PerProcess);
        }
        finally
        {
            WindowsMemory.TryUnmapView(view).ShouldBeTrue();
        }
    }
}
