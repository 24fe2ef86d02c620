using System;
using System.IO;
using System.Linq;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Queue;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Mapping;

/// <summary>
/// The per-thread record of accesses in flight (<see cref="AccessSlots"/>), which decides whether the last release of a
/// mapping may take its views out at once or must leave them to the finalizer (and keep the file open until then).
/// </summary>
[TestFixture]
[WindowsOnly]
public sealed class AccessSlotsTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("slots.bin");
        File.WriteAllBytes(_path, new byte[4096]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Dispose_AfterAnInPlaceReaderThrew_UnmapsAtOnceAndTheFileIsFree()
    {
        var stream = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        Should.Throw<InvalidOperationException>(() => stream.ReadInPlace<int, int>(0, 8, 0, static (_, _) => throw new InvalidOperationException("the caller's reader")));

        stream.Dispose();

        File.WriteAllBytes(_path, new byte[10]);
        File.Delete(_path);
    }

    [Test]
    public void IsIdle_WhileThisThreadIsInsideAnAccess_IsFalseAndTrueAfterItEnds()
    {
        using var stream = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        MappingState state = stream.View.State;
        MappedAccess.TryBegin(state, 0, long.MaxValue, 0, 8, out MappedAccess access).ShouldBeTrue();
        AccessSlots.IsIdle(state.Id).ShouldBeFalse();
        access.End().ShouldBeTrue();
        AccessSlots.IsIdle(state.Id).ShouldBeTrue();
    }

    [Test]
    public void SharedQueue_PushAndPopInsideAnotherAccess_LeaveThatAccessRecorded()
    {
        using var stream = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        long id = stream.View.State.Id;
        using var queue = MappedQueue.Open(_directory.File("shared.queue"), 4096, new QueueOptions { MultiProcess = true });

        bool idleInside = stream.ReadInPlace(0, 8, (Queue: queue, Id: id), static (_, outer) =>
        {
            outer.Queue.Push("item"u8);
            outer.Queue.Pop().ShouldNotBeNull();
            return AccessSlots.IsIdle(outer.Id);
        });

        idleInside.ShouldBeFalse("the in-place read's own access was still in flight: the queue's accesses must not end it");
        AccessSlots.IsIdle(id).ShouldBeTrue();
    }

    [Test]
    public void AtomicAdd_MisalignedCell_ThrowsAndLeavesNoAccessRecorded()
    {
        using var stream = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        long id = stream.View.State.Id;

        Should.Throw<ArgumentException>(() => stream.AtomicAdd(3, 1));
        Should.Throw<ArgumentException>(() => stream.AtomicRead(5));

        AccessSlots.IsIdle(id).ShouldBeTrue("a refused cell touched nothing, and its access ended with the call");
    }

    [Test]
    public void StopAt_ACrashPointInsideAnAccess_LeavesTheThreadAsItWasAndTheMappingIdle()
    {
        // A test's simulated crash throws out of an access; the thread goes on, so its record must not outlive the stop.
        using var stream = new MappedFileStream(_directory.File("stopped.queue"), FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.SetLength(4096);
        long id = stream.View.State.Id;
        int depth = AccessSlots.CurrentDepth;
        using (MappedQueue queue = stream.AsQueue(new QueueOptions(), leaveOpen: true))
        {
            queue.Push("item"u8);
            var writer = new System.Buffers.ArrayBufferWriter<byte>();

            // The single-process pop checks the item and reaches this point inside its access to the record.
            QueueCrashPointSwitch.StopAt(CrashPoints.PopRead, () => queue.TryPop(writer)).ShouldBeTrue();
        }

        AccessSlots.CurrentDepth.ShouldBe(depth);
        AccessSlots.IsIdle(id).ShouldBeTrue("no access of the mapping is in flight after the stop");
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void QueueOperations_EachOne_EndsEveryAccessItBegins(bool multiProcess, bool fixedSize)
    {
        string path = _directory.File($"ops-{multiProcess}-{fixedSize}.queue");
        using var stream = new MappedFileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.SetLength(4096);
        long id = stream.View.State.Id;
        using MappedQueue queue = stream.AsQueue(new QueueOptions { MultiProcess = multiProcess, FixedSize = fixedSize }, leaveOpen: true);
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        var operations = new (string Name, Action Run)[]
        {
            ("Push", () => queue.Push(new byte[300])),
            ("Push (growth)", () => { for (int i = 0; i < 40 && queue.TryPush(new byte[300]); i++) { } }),
            ("Push (full or too large)", () =>
            {
                try
                {
                    queue.Push(new byte[fixedSize ? 8000 : 300]);
                }
                catch (Exception ex) when (ex is ArgumentException or QueueFullException)
                {
                }
            }),
            ("Push (full)", () =>
            {
                try
                {
                    queue.Push(new byte[300]);
                }
                catch (QueueFullException)
                {
                }
            }),
            ("Reopen", () => { using MappedQueue again = stream.AsQueue(new QueueOptions { MultiProcess = multiProcess, FixedSize = fixedSize, ReadOnly = true }, leaveOpen: true); }),
            ("TryPush (too large)", () =>
            {
                try
                {
                    _ = queue.TryPush(new byte[8000]);
                }
                catch (ArgumentException)
                {
                }
            }),
            ("Pop", () => queue.Pop()),
            ("TryPop(writer)", () => queue.TryPop(writer)),
            ("PopInto (too small)", () => queue.PopInto(new byte[10], out _)),
            ("PopInto", () => queue.PopInto(new byte[400], out _)),
            ("TryPop(handler)", () => queue.TryPop(static item => item.Length, out _)),
            ("TryPop(throwing handler)", () => Should.Throw<FormatException>(() => queue.TryPop<int>(_ => throw new FormatException(), out _))),
            ("PeekFront", () => queue.PeekFront()),
            ("PeekBack", () => queue.PeekBack()),
            ("Enumerate", () => queue.Enumerate().Count().ShouldBeGreaterThanOrEqualTo(0)),
            ("EnumerateReverse", () => queue.EnumerateReverse().Count().ShouldBeGreaterThanOrEqualTo(0)),
            ("PopWhile", () => queue.PopWhile(0, (ReadOnlySpan<byte> _, ref int n) => ++n < 3)),
            ("PopAndPurge (drain)", () => { while (queue.PopAndPurge() is not null) { } }),
            ("Purge", () => queue.Purge()),
            ("Push after purge", () => queue.Push(new byte[10])),
            ("Erase", () => queue.Erase()),
            ("GetMetadata", () => queue.GetMetadata()),
        };

        var leaks = new System.Collections.Generic.List<string>();
        foreach ((string name, Action run) in operations)
        {
            run();
            if (!AccessSlots.IsIdle(id))
            {
                leaks.Add(name);
            }
        }

        leaks.ShouldBeEmpty();
    }
}
