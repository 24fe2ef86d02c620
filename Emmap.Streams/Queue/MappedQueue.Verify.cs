using System;
using System.Collections.Generic;
using System.IO;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    // Set by Load for Verify: what the header and the scan looked like before any repair.
    private HeaderState _loadedHeader;
    private ScanResult _loadedScan;
    private long _loadedTail;
    private bool _liveSnapshot;

    // Set when the last scan of a live snapshot saw the queue move too (Verify's note says what that means).
    private bool _snapshotMoved;
    private long _loadedLength;
    private bool _loadedTrustable;

    /// <summary>Gets whether the open took the count from a clean close's exact checkpoint instead of scanning (for tests).</summary>
    internal bool CountFromCheckpoint { get; private set; }
    private IProgress<long>? _scanProgress;

    /// <summary>
    /// Checks a queue file without changing it: both header slots, the cursor words, and the checksum of every committed record
    /// (emmap has no counterpart; its queue has no checksums). Safe while another process owns the queue; the result is then a
    /// snapshot of a moving target.
    /// </summary>
    /// <param name="path">The queue file.</param>
    /// <param name="progress">Receives the number of ring bytes checked so far, every 16 MiB and at the end.</param>
    /// <returns>The findings. A file that is not a queue gives a result whose <see cref="QueueVerification.IsQueue"/> is false.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file may not be read.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static QueueVerification Verify(string path, IProgress<long>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);

        // A missing file, a directory or a file that may not be read is refused by the open as a FileStream refuses it.
        MappedFileStream stream = MappedFileStream.Open(
            fullPath, new MapOptions { Mode = FileMode.Open, Access = FileAccess.Read, Sharing = MapSharing.Shared });
        if (stream.Length == 0)
        {
            stream.Dispose();
            return new QueueVerification(fullPath, null, ["The file is empty: it is not a queue."], [], 0, 0);
        }

        MappedQueue queue;
        try
        {
            queue = new MappedQueue(stream, ownsStream: true, new QueueOptions { ReadOnly = true }, formatSize: 0, progress, fullScan: true);
        }
        catch (InvalidDataException ex)
        {
            stream.Dispose();
            return new QueueVerification(fullPath, null, [ex.Message], [], 0, 0);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        using (queue)
        {
            return queue.Report(fullPath);
        }
    }

    private QueueVerification Report(string fullPath)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        HeaderState header = _loadedHeader;
        string active = header.SlotOffset == QueueLayout.SlotAOffset ? "A" : "B";
        notes.Add($"Header slot {active} is in use (sequence {header.Slot.Sequence}).");
        if (_liveSnapshot)
        {
            notes.Add("The queue is open in shared mode by other processes: this is a snapshot taken while they use it.");
            if (_snapshotMoved)
            {
                notes.Add(
                    $"The queue changed under each of {SnapshotRetries + 1} scans; this is the last one, and a problem it lists may be " +
                    "a change in progress rather than damage: verify again.");
            }
        }
        foreach ((string name, QueueSlotCodec.Problem problem) in new[] { ("A", header.SlotA), ("B", header.SlotB) })
        {
            if (problem is QueueSlotCodec.Problem.BadChecksum or QueueSlotCodec.Problem.BadGeometry)
            {
                notes.Add($"Header slot {name} does not check out ({problem}): an interrupted header write, or damage; the other slot is used.");
            }
        }

        long length = _loadedLength;
        if (length < header.Slot.FileSize)
        {
            problems.Add(CutBeyondRestore(length, header.Slot.FileSize)
                ? $"The file has {length} bytes but the queue uses {header.Slot.FileSize}: it was truncated by more than a writable open " +
                  "restores. A writable open throws InvalidDataException; a read-only open reads the items it holds, and extending " +
                  "the file to that size lets a writable open recover it."
                : $"The file has {length} bytes but the queue uses {header.Slot.FileSize}: it was truncated.");
        }
        else if (length > header.Slot.FileSize)
        {
            notes.Add($"{length - header.Slot.FileSize} bytes after the queue are unused (an interrupted growth or shrink); opening trims them.");
        }

        if (!header.HotValid)
        {
            problems.Add(
                $"The cursor words (head {header.HotHead}, tail {header.HotTail}) are not consistent with the header; opening falls back to the " +
                $"checkpoint (head {header.Slot.Head}, tail {header.Slot.Tail}), which may bring back items already popped.");
        }

        if (_loadedTrustable)
        {
            notes.Add($"The header is a clean close's exact checkpoint: opening takes its count ({header.Slot.Count} {(header.Slot.Count == 1 ? "item" : "items")}) without scanning.");
            if (_loadedScan.End != _loadedTail || _loadedScan.Count != header.Slot.Count || (_loadedScan.Count != 0 && _loadedScan.LastItem != header.Slot.LastItem))
            {
                problems.Add(
                    $"The checkpoint says {header.Slot.Count} items, the last at position {header.Slot.LastItem}, but the records hold " +
                    $"{_loadedScan.Count} that check out before position {_loadedScan.End}, the last at {_loadedScan.LastItem}: " +
                    "opening takes the checkpoint, a pop or peek that reaches a record that fails its check throws InvalidDataException, and the " +
                    "next open after that scans and keeps the items before the damage.");
            }
        }
        else if (_loadedScan.End != _loadedTail)
        {
            problems.Add(
                $"The record at logical position {_loadedScan.End} (file offset {_window + _loadedScan.EndPhys}) fails its check; opening keeps the " +
                $"{_loadedScan.Count} items before it and drops the {_loadedTail - _loadedScan.End} ring bytes from there to the tail.");
        }

        return new QueueVerification(fullPath, GetMetadata(), problems, notes, _loadedScan.Count, _loadedScan.Bytes);
    }
}
