using System;
using System.Collections.Generic;
using System.IO;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Queue.Fuzz;

/// <summary>
/// The bytes of a queue file in a known state, and every id ever pushed into it (in push order), for the fuzz test to mutate.
/// Items are <see cref="QueueItems"/>, so any item read back proves its own id and bytes.
/// </summary>
/// <param name="Name">What state the file is in.</param>
/// <param name="Bytes">The file's bytes.</param>
/// <param name="Pushed">Every id pushed into the queue, in push order.</param>
/// <param name="Shared">Whether the queue was used in shared mode (format version 2); the oracle then opens it that way too.</param>
public sealed record QueueImage(string Name, byte[] Bytes, IReadOnlyList<long> Pushed, bool Shared = false)
{
    /// <summary>The images the fuzz test starts from: clean and live (cursor words ahead of the checkpoint), wrapped, grown, lapped, drained, shrunk.</summary>
    public static IReadOnlyList<QueueImage> BuildAll(TempDirectory dir)
    {
        return
        [
            Build(dir, "wrapped-clean", 4096, live: false, static (q, push) =>
            {
                // 100-byte items take 128 bytes; the 3072-byte ring holds 24: the live items wrap past the ring's end.
                for (int i = 0; i < 20; i++)
                {
                    push(100);
                }

                for (int i = 0; i < 14; i++)
                {
                    q.Pop();
                }

                for (int i = 0; i < 14; i++)
                {
                    push(100);
                }
            }),
            Build(dir, "wrapped-live", 4096, live: true, static (q, push) =>
            {
                for (int i = 0; i < 20; i++)
                {
                    push(100);
                }

                for (int i = 0; i < 14; i++)
                {
                    q.Pop();
                }

                for (int i = 0; i < 14; i++)
                {
                    push(100);
                }
            }),
            Build(dir, "grown-markers-live", 4096, live: true, static (q, push) =>
            {
                // Items of many sizes: skip markers before wraps, growth while wrapped.
                for (int i = 0; i < 60; i++)
                {
                    push(8 + (i * 53 % 400));
                    if (i % 3 == 0)
                    {
                        q.Pop();
                    }
                }
            }),
            Build(dir, "laps-live", 8192, live: true, static (q, push) =>
            {
                // Many laps of a fixed ring: positions far past the ring size, stale records of earlier laps everywhere.
                for (int i = 0; i < 900; i++)
                {
                    push(24 + (i * 29 % 180));
                    if (q.Count > 12)
                    {
                        q.Pop();
                    }
                }
            }, fixedSize: true),
            Build(dir, "drained-live", 8192, live: true, static (q, push) =>
            {
                for (int i = 0; i < 500; i++)
                {
                    push(40 + (i * 17 % 90));
                    if (q.Count > 5)
                    {
                        q.Pop();
                    }
                }

                while (q.Count > 0)
                {
                    q.Pop();
                }
            }, fixedSize: true),
            Build(dir, "shared-wrapped-live", 4096, live: true, static (q, push) =>
            {
                // Shared mode (version 2): the lock words, counts, journals and generation are uncovered header words too.
                for (int i = 0; i < 40; i++)
                {
                    push(60 + (i * 31 % 200));
                    if (i % 3 != 0)
                    {
                        q.Pop();
                    }
                }
            }, shared: true),
            Build(dir, "shared-grown-clean", 4096, live: false, static (q, push) =>
            {
                for (int i = 0; i < 70; i++)
                {
                    push(100 + (i * 13 % 300));
                    if (i % 4 == 0)
                    {
                        q.Pop();
                    }
                }
            }, shared: true),
            Build(dir, "shrunk-clean", 4096, live: false, static (q, push) =>
            {
                for (int i = 0; i < 80; i++)
                {
                    push(200);
                }

                while (q.Count > 0)
                {
                    q.PopAndPurge();
                }

                for (int i = 0; i < 6; i++)
                {
                    push(300);
                }
            }),
        ];
    }

    /// <summary>
    /// Fills a new queue with <paramref name="fill"/> and takes its bytes: with <paramref name="live"/> while it is still open
    /// (as a crash would leave it), else after a clean close.
    /// </summary>
    public static QueueImage Build(TempDirectory dir, string name, long initialSize, bool live, Action<MappedQueue, Action<int>> fill, bool fixedSize = false, bool shared = false)
    {
        string path = dir.File($"image-{name}-{Guid.NewGuid():N}.queue");
        var pushed = new List<long>();
        byte[] bytes;
        using (var queue = MappedQueue.Open(path, initialSize, new QueueOptions { FixedSize = fixedSize, MultiProcess = shared }))
        {
            fill(queue, size =>
            {
                long id = pushed.Count;
                queue.Push(QueueItems.Make(id, size));
                pushed.Add(id);
            });
            bytes = live ? ReadShared(path) : [];
        }

        if (!live)
        {
            bytes = File.ReadAllBytes(path);
        }

        File.Delete(path);
        return new QueueImage(name, bytes, pushed, shared);
    }

    /// <summary>Reads a file that another handle (in this process) has open.</summary>
    public static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
