using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Windows.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>
/// Waits on shared words across processes on Windows (<see cref="SharedWaits"/>): a named semaphore per word and a count of its
/// sleepers in named memory. Two instances opened on one file identity meet as two processes do.
/// </summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed unsafe class SharedWaitsTests
{
    // A guard against a lost wake hanging the run, not a timing assertion.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(30);

    private uint* _word;
    private FileIdentity _identity;

    [SetUp]
    public void SetUp()
    {
        _word = (uint*)NativeMemory.AllocZeroed(sizeof(uint));
        _identity = new FileIdentity((ulong)Random.Shared.NextInt64(), (ulong)Random.Shared.NextInt64(), 0);
    }

    [TearDown]
    public void TearDown() => NativeMemory.Free(_word);

    [Test]
    public void Wait_WordAlreadyChanged_ReturnsAtOnce()
    {
        using SharedWaits waits = SharedWaits.Open(_identity, 0, 3);
        *_word = 5;

        waits.Wait(0, _word, 4, Timeout.Infinite).ShouldBe(Futex.WaitResult.Changed);
    }

    [Test]
    public void Wait_NobodyWakes_TimesOut()
    {
        using SharedWaits waits = SharedWaits.Open(_identity, 0, 3);

        waits.Wait(1, _word, 0, 50).ShouldBe(Futex.WaitResult.TimedOut);
    }

    [Test]
    public void WakeAll_FromAnotherOpenOfTheSameFile_WakesEverySleeper()
    {
        using SharedWaits sleepers = SharedWaits.Open(_identity, 0, 3);
        using SharedWaits waker = SharedWaits.Open(_identity, 0, 3);
        uint* word = _word;
        using var asleep = new CountdownEvent(3);
        Task[] waiting = new Task[3];
        for (int i = 0; i < waiting.Length; i++)
        {
            waiting[i] = Task.Factory.StartNew(
                () =>
                {
                    asleep.Signal();
                    while (Volatile.Read(ref *word) == 0)
                    {
                        _ = sleepers.Wait(0, word, 0, Timeout.Infinite);
                    }
                },
                TaskCreationOptions.LongRunning);
        }

        asleep.Wait(s_hangGuard).ShouldBeTrue();
        Interlocked.Exchange(ref *word, 1);
        waker.WakeAll(0, word);

        Task.WaitAll(waiting, s_hangGuard).ShouldBeTrue("every sleeper woke");
    }

    [Test]
    public void Wait_InfiniteWhileAnotherProcessWouldWake_SleepsOnANamedSemaphoreOfTheFile()
    {
        using SharedWaits waits = SharedWaits.Open(_identity, 64, 3);
        uint* word = _word;
        Task sleeper = Task.Factory.StartNew(() => waits.Wait(2, word, 0, Timeout.Infinite), TaskCreationOptions.LongRunning);

        // The semaphore the sleeper sleeps on is found by the file's name for it, as another process finds it.
        string prefix = WindowsObjectNames.For(_identity, "40");
        using (var semaphore = Semaphore.OpenExisting(prefix + "-wait-2"))
        {
            SpinWait.SpinUntil(() => sleeper.Status == TaskStatus.Running, s_hangGuard);
            sleeper.IsCompleted.ShouldBeFalse();
            Interlocked.Exchange(ref *word, 1);
            semaphore.Release();
        }

        sleeper.Wait(s_hangGuard).ShouldBeTrue();
    }

    [Test]
    public void Dispose_WithASleeperInThisProcess_WakesIt()
    {
        SharedWaits waits = SharedWaits.Open(_identity, 0, 3);
        uint* word = _word;
        using var counted = new ManualResetEventSlim();
        Task<Futex.WaitResult> sleeper = Task.Factory.StartNew(
            () =>
            {
                counted.Set();
                return waits.Wait(0, word, 0, Timeout.Infinite);
            },
            TaskCreationOptions.LongRunning);
        counted.Wait(s_hangGuard).ShouldBeTrue();
        Thread.Sleep(50);

        waits.Dispose();

        sleeper.Wait(s_hangGuard).ShouldBeTrue("disposing the waits wakes the threads of this process sleeping on them");
    }
}
