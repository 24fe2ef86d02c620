using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Queue.Fuzz;

/// <summary>
/// How the hand-made files of Queue/Corpus were made (<see cref="QueueFuzzTests.Corpus_Regenerate"/> writes them again), each with
/// the outcome it must have. Files that the fuzz test found are added to the corpus as they are, with an <c>.expect</c> file
/// written by hand.
/// </summary>
public static class QueueCorpus
{
    /// <summary>Writes every hand-made corpus file and its <c>.expect</c> file into <paramref name="directory"/>.</summary>
    public static void WriteAll(string directory, TempDirectory scratch)
    {
        Directory.CreateDirectory(directory);
        byte[] hundred = HundredLiveItems(scratch);
        long nearMax = (long.MaxValue - 200) & ~15L;

        Write(directory, "issue9-cursor-words-near-max", Forge(hundred, (256, nearMax), (320, nearMax)),
            "Issue 9, item 9: both cursor words just below long.MaxValue, equal and 16-aligned; they once passed as an intact empty queue.",
            "items 500-599, damaged");
        Write(directory, "cursor-words-min-value", Forge(hundred, (256, long.MinValue), (320, long.MinValue)),
            "Both cursor words at long.MinValue: behind the checkpoint.",
            "items 500-599, damaged");
        Write(directory, "cursor-head-past-tail", Forge(hundred, (256, CheckpointTail(hundred) + 160), (320, CheckpointTail(hundred))),
            "The head word past the tail word.",
            "items 500-599, damaged");
        Write(directory, "cursor-tail-past-position-limit", Forge(hundred, (320, QueueLayout.PositionLimit + 16)),
            "The tail word one record past the largest position a queue ever writes.",
            "items 500-599, damaged");
        Write(directory, "cursor-words-far-ahead", Forge(hundred, (256, CheckpointTail(hundred) + (1L << 40)), (320, CheckpointTail(hundred) + (1L << 40))),
            "Both cursor words 1 TiB ahead of the checkpoint, equal and aligned: bounded, so they pass the checks; the queue is empty there.",
            "items none, intact");
        Write(directory, "owner-word-all-ones", Forge(hundred, (384, -1)),
            "The owner word all ones: names no process.",
            "items 500-599, intact");
        Write(directory, "reserved-lines-all-ones", Fill(hundred, 0xFF, (128, 256), (264, 320), (328, 384), (392, 512), (640, 1024)),
            "Every reserved header byte set: the queue never reads them.",
            "items 500-599, intact");
        Write(directory, "slot-sequence-near-max", ForgeSlot(hundred, QueueLayout.SlotBOffset, 2, long.MaxValue - 1),
            "Slot B forged with a sequence of long.MaxValue - 1 and a recomputed checksum: its next write would overflow, so it is refused and slot A is used.",
            "items 500-599, intact");
        Write(directory, "slot-base-far-below-zero", ForgeSlot(hundred, ActiveSlot(hundred), 6, long.MinValue / 2),
            "The active slot forged with a base of -2^62 and a recomputed checksum: refused, so the older slot is used, and the cursor words agree with it.",
            "items 500-599, intact");

        // Found by the fuzz test on shared-mode files: a file cut before its owner word, and one cut through a wrap marker's
        // stamp (whose missing byte was zero anyway, so a writable open, which restores the size, keeps the items after it).
        IReadOnlyList<QueueImage> images = QueueImage.BuildAll(scratch);
        QueueImage shared = images.First(i => i.Name == "shared-wrapped-live");
        Write(directory, "shared-cut-before-owner-word", shared.Bytes[..387],
            "A shared-mode file cut at 387 bytes, inside the owner word: the size is restored before the owner word is taken.",
            "items none, damaged");
        Write(directory, "shared-cut-through-wrap-marker", QueueMutator.Mutate(shared.Bytes, 18869).Bytes,
            "Fuzz seed 18869: a shared-mode file cut at 3983, through the last byte of a wrap marker's stamp (a zero byte anyway): all 14 live items are kept, and the truncation is reported.",
            "items 26-39, damaged");

        string end = Path.Combine(scratch.Path, "end.queue");
        WriteAtPosition(end, QueueLayout.MaxPosition - 320, items: 3);
        Write(directory, "end-of-position-space", File.ReadAllBytes(end),
            "A valid queue whose positions are 320 bytes short of the end of the position space, with 3 items.",
            "items 0-2, intact");
    }

    /// <summary>
    /// Writes a 4 KiB queue at <paramref name="path"/> whose positions start at <paramref name="position"/> (a slot with that base,
    /// head and tail) and holds <paramref name="items"/> items of 64 bytes.
    /// </summary>
    public static void WriteAtPosition(string path, long position, int items)
    {
        using (MappedQueue.Open(path, 4096))
        {
        }

        byte[] bytes = File.ReadAllBytes(path);
        var slot = new QueueSlot(Sequence: 2, FileSize: 4096, RingSize: QueueLayout.RingSizeFor(4096), Base: position, Head: position, Tail: position,
            Count: 0, InitialSize: 4096, Flags: QueueSlot.CleanCloseFlag);
        QueueSlotCodec.Encode(slot, bytes.AsSpan(QueueLayout.SlotAOffset));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(QueueLayout.HeadWordOffset), position);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(QueueLayout.TailWordOffset), position);
        File.WriteAllBytes(path, bytes);
        using MappedQueue queue = MappedQueue.Open(path, 4096);
        for (int id = 0; id < items; id++)
        {
            queue.Push(QueueItems.Make(id, 64));
        }
    }

    // 600 items pushed, 500 popped along the way, closed cleanly: items 500-599 live, the checkpoint exact.
    private static byte[] HundredLiveItems(TempDirectory scratch)
    {
        string path = Path.Combine(scratch.Path, $"hundred-{Guid.NewGuid():N}.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            for (int id = 0; id < 600; id++)
            {
                queue.Push(QueueItems.Make(id, 8));
                if (queue.Count > 100)
                {
                    queue.Pop();
                }
            }
        }

        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private static int ActiveSlot(byte[] bytes)
    {
        _ = QueueSlotCodec.TryDecode(bytes.AsSpan(QueueLayout.SlotAOffset, QueueLayout.SlotSize), out QueueSlot a);
        _ = QueueSlotCodec.TryDecode(bytes.AsSpan(QueueLayout.SlotBOffset, QueueLayout.SlotSize), out QueueSlot b);
        return a.Sequence >= b.Sequence ? QueueLayout.SlotAOffset : QueueLayout.SlotBOffset;
    }

    private static long CheckpointTail(byte[] bytes)
    {
        _ = QueueSlotCodec.TryDecode(bytes.AsSpan(ActiveSlot(bytes), QueueLayout.SlotSize), out QueueSlot slot);
        return slot.Tail;
    }

    private static byte[] Forge(byte[] image, params (int Offset, long Value)[] words)
    {
        byte[] bytes = (byte[])image.Clone();
        foreach ((int offset, long value) in words)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), value);
        }

        return bytes;
    }

    private static byte[] Fill(byte[] image, byte value, params (int Start, int End)[] ranges)
    {
        byte[] bytes = (byte[])image.Clone();
        foreach ((int start, int end) in ranges)
        {
            bytes.AsSpan(start, end - start).Fill(value);
        }

        return bytes;
    }

    private static byte[] ForgeSlot(byte[] image, int slot, int word, long value)
    {
        byte[] bytes = (byte[])image.Clone();
        Span<byte> s = bytes.AsSpan(slot, QueueLayout.SlotSize);
        BinaryPrimitives.WriteInt64LittleEndian(s[(word * 8)..], value);
        BinaryPrimitives.WriteUInt64LittleEndian(s[120..], QueueChecksum.Slot(s));
        return bytes;
    }

    private static void Write(string directory, string name, byte[] bytes, string comment, string outcome)
    {
        File.WriteAllBytes(Path.Combine(directory, name + ".queue"), bytes);
        File.WriteAllText(Path.Combine(directory, name + ".expect"), $"# {comment}\noutcome: {outcome}\n");
    }
}
