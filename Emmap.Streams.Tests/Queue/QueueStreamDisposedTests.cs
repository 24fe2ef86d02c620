using System;
using System.IO;
using System.Linq;
using System.Text;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A queue made over a stream with <c>leaveOpen</c>, whose stream another thread disposes while a push or a pop is between
/// its first touch of the file and its commit. The call must complete, or throw <see cref="ObjectDisposedException"/> having
/// changed nothing: the file, read again, shows exactly what the call reported.
/// </summary>
[TestFixture]
public sealed class QueueStreamDisposedTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("q.queue");
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _dir.Dispose();
    }

    [Test]
    public void PushAndPop_StreamDisposedDuringTheCall_TheFileShowsWhatTheCallReported(
        [Values("push", "pop")] string operation,
        [Values] QueueDurability durability,
        [Values] bool multiProcess)
    {
        var options = new QueueOptions { Durability = durability, MultiProcess = multiProcess };
        var stream = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16384 });
        string[] after;
        bool threw;

        // Alone in the process, the queue's stream is the file's last handle: its close takes the pages away, which the commit's
        // end sees, after the commit word was stored in the file. In shared mode, whose commits end their accesses without
        // that check, another handle keeps the pages and the close lands while the record is being written or read.
        using (MappedFileStream? other = multiProcess ? MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }) : null)
        using (MappedQueue queue = stream.AsQueue(options, leaveOpen: true))
        {
            queue.Push("first"u8);
            string point = !multiProcess ? CrashPoints.CommitStored : operation == "push" ? CrashPoints.PushHeader : CrashPoints.PopRead;
            QueueCrashPointSwitch.RunOnceAt(point, stream.Dispose);
            try
            {
                if (operation == "push")
                {
                    queue.Push("second"u8);
                }
                else
                {
                    Encoding.UTF8.GetString(queue.Pop()!).ShouldBe("first");
                }

                threw = false;
            }
            catch (ObjectDisposedException)
            {
                threw = true;
            }

            CrashPoints.Hook = null;
            stream.CanRead.ShouldBeFalse("the crash point ran, and disposed the stream");
        }

        using (MappedQueue reopened = MappedQueue.Open(_path, 16384, new QueueOptions { MultiProcess = multiProcess }))
        {
            after = reopened.Enumerate().Select(item => Encoding.UTF8.GetString(item)).ToArray();
        }

        string[] unchanged = ["first"];
        string[] done = operation == "push" ? ["first", "second"] : [];
        after.ShouldBe(threw ? unchanged : done, $"the call {(threw ? "threw" : "completed")}");
    }
}
