using System;
using System.IO;
using Emmap.Streams.Mapping;
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
}
