using System;
using System.IO;
using Emmap.Streams.Native;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>
    /// Creates a queue file atomically: format a temporary file next to <paramref name="fullPath"/>, make it durable,
    /// then link it into place unless something already exists there (in which case that file is opened instead).
    /// </summary>
    private static void CreateFile(string fullPath, long initialSize, QueueOptions options)
    {
        string directory = System.IO.Path.GetDirectoryName(fullPath) ?? ".";
        string temporary = System.IO.Path.Combine(directory, $".emmap-queue.{Guid.NewGuid():N}.tmp");
        try
        {
            using (MappedFileStream stream = MappedFileStream.Open(temporary, new MapOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Sharing = MapSharing.Shared,
                Size = initialSize,
                UnixCreateMode = options.UnixCreateMode,
            }))
            {
                Format(stream, initialSize);
                stream.Flush(flushToDisk: true);
            }

            _ = NativeFile.TryPublish(temporary, fullPath);
        }
        catch (IOException e) when (NativeFile.NamingThePublishedPath(e, fullPath) is { } named)
        {
            throw named;
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>Writes an empty queue's header (slot A, zero cursors) into <paramref name="stream"/>, which is <paramref name="fileSize"/> bytes.</summary>
    private static void Format(MappedFileStream stream, long fileSize)
    {
        var slot = new QueueSlot(
            Sequence: 1,
            FileSize: fileSize,
            RingSize: QueueLayout.RingSizeFor(fileSize),
            Base: 0,
            Head: 0,
            Tail: 0,
            Count: 0,
            InitialSize: fileSize,
            Flags: QueueSlot.CleanCloseFlag);
        Span<byte> header = stackalloc byte[QueueLayout.HeaderSize];
        header.Clear();
        QueueSlotCodec.Encode(slot, header.Slice(QueueLayout.SlotAOffset, QueueLayout.SlotSize));
        stream.WriteAt(0, header);
    }

    /// <summary>True if the stream's header area is all zeros (a fresh file that <c>AsQueue</c> may format).</summary>
    private static bool IsBlank(MappedFileStream stream)
    {
        Span<byte> header = stackalloc byte[QueueLayout.HeaderSize];
        int read = stream.ReadAt(0, header);
        return header[..read].IndexOfAnyExcept((byte)0) < 0;
    }
}
