using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Cross-process wake-ups through named kernel objects whose names come from the file's identity.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows")]
public sealed class WakeupTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("queue.bin");
        File.WriteAllBytes(_path, new byte[16]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void NamedEvent_SetInThisProcess_WakesAWaiterInAnother()
    {
        string name = WakeName();
        using var wake = new EventWaitHandle(false, EventResetMode.AutoReset, name);
        using ChildHost waiter = ChildHost.Start("win-wait-event", name);
        waiter.ReadLine().ShouldBe("waiting");

        wake.Set();

        waiter.ReadLine().ShouldBe("woken");
        waiter.ShouldExitWith(0);
    }

    [Test]
    public void NamedSemaphore_ReleasedByAnotherHandle_WakesAsManyWaitersAsReleased()
    {
        string name = WakeName();
        using var waiters = new Semaphore(0, int.MaxValue, name);
        using var other = Semaphore.OpenExisting(name);

        other.Release(2);

        waiters.WaitOne(0).ShouldBeTrue();
        waiters.WaitOne(0).ShouldBeTrue();
        waiters.WaitOne(0).ShouldBeFalse("two releases wake two waiters");
    }

    private string WakeName()
    {
        using SafeFileHandle file = ViewMemory.Open(_path);
        FileIdentity identity = WindowsFile.GetIdentity(file, _path);
        return WindowsObjectNames.For(identity, $"wake-{TestContext.CurrentContext.Test.Name}");
    }
}
