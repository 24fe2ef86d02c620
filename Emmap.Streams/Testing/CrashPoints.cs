using System;
using System.Runtime.CompilerServices;

namespace Emmap.Streams.Testing;

/// <summary>
/// Named points inside queue operations and size changes where the crash tests stop a child process (docs/queue-format.md,
/// "Crash matrix"; docs/lifetime-and-concurrency.md, "Several processes"). Off unless the process sets the
/// <see cref="SwitchName"/> AppContext switch before the first operation; then every point calls <see cref="Hook"/>, which
/// may kill the process. When the switch is off, <see cref="Hit"/> compiles to nothing in optimized code.
/// </summary>
internal static class CrashPoints
{
    /// <summary>The AppContext switch that enables the hook.</summary>
    internal const string SwitchName = "Emmap.Streams.Queue.CrashPoints";

    internal const string PushPayload = "push.payload";
    internal const string PushHeader = "push.header";
    internal const string PushCommitted = "push.committed";
    internal const string WrapMarker = "wrap.marker";
    internal const string WrapReposition = "wrap.reposition";
    internal const string PopRead = "pop.read";
    internal const string PopCommitted = "pop.committed";
    internal const string GrowExtended = "grow.extended";
    internal const string GrowCopying = "grow.copying";
    internal const string GrowCopied = "grow.copied";
    internal const string GrowFlipped = "grow.flipped";
    internal const string FlipTorn = "flip.torn";
    internal const string FlipWritten = "flip.written";
    internal const string ShrinkFlipped = "shrink.flipped";
    internal const string ShrinkTruncated = "shrink.truncated";
    internal const string EraseCommitted = "erase.committed";
    internal const string RecoverFlipped = "recover.flipped";

    /// <summary>A write past the end holds the file's size lock and has copied its bytes, but not published the new length.</summary>
    internal const string ExtendCopied = "extend.copied";

    /// <summary>A shrink or trim holds the file's size lock and has published the new length, before truncating.</summary>
    internal const string TrimLocked = "trim.locked";

    /// <summary>A shrink or trim has truncated the file, before publishing the physical size.</summary>
    internal const string TrimTruncated = "trim.truncated";

    /// <summary>Growth holds the file's size lock and has reserved the new blocks, before publishing the physical size.</summary>
    internal const string GrowReserved = "grow.reserved";

    /// <summary>Shared mode: a producer holds the tail lock (the claim) and has written nothing yet.</summary>
    internal const string SharedClaimed = "shared.claimed";

    /// <summary>Shared mode: a producer has written its record and the tail journal, not yet the tail word.</summary>
    internal const string SharedJournaled = "shared.journaled";

    /// <summary>Shared mode: the tail word is stored (the push is committed), the pushed count not yet.</summary>
    internal const string SharedCommitted = "shared.committed";

    /// <summary>Shared mode: a consumer holds the head lock and has read nothing yet.</summary>
    internal const string SharedHeadClaimed = "shared.head.claimed";

    /// <summary>Shared mode: a consumer has written the head journal, not yet the head word.</summary>
    internal const string SharedPopJournaled = "shared.pop.journaled";

    /// <summary>Shared mode: a process has just taken a lock over from a dead holder, before repairing what it left.</summary>
    internal const string SharedTakenOver = "shared.takeover";

    /// <summary>Every shared-mode point, for the cross-process crash tests.</summary>
    internal static readonly string[] Shared =
    [
        SharedClaimed, SharedJournaled, SharedCommitted, SharedHeadClaimed, SharedPopJournaled, SharedTakenOver,
    ];

    /// <summary>
    /// The first shared handle of a file in this process has read the file's length and not yet its physical size, which
    /// another process may change in between.
    /// </summary>
    internal const string AttachLengthRead = "attach.length";

    /// <summary>A direct view or a pipe reader has taken its reference on the mapping and not yet computed its address.</summary>
    internal const string ViewPinned = "view.pinned";

    /// <summary>An atomic operation has changed its cell and not yet checked that no cut raced with it.</summary>
    internal const string AtomicApplied = "atomic.applied";

    /// <summary>A positional read has copied its bytes and not yet checked that no cut raced with the copy.</summary>
    internal const string ReadCopied = "read.copied";

    /// <summary>A write inside the data has copied its bytes and not yet checked that no cut raced with the copy.</summary>
    internal const string WriteCopied = "write.copied";

    /// <summary>A read of a stream that has not mapped its file yet has passed its checks and not yet read the file.</summary>
    internal const string DeferredRead = "deferred.read";

    /// <summary>A shared open has found other processes in the session and is about to read the header (each time it reads it).</summary>
    internal const string SharedJoining = "shared.joining";

    /// <summary>The last process of a shared queue session is leaving and has not yet written its checkpoint.</summary>
    internal const string SharedClosing = "shared.closing";

    /// <summary>A file's new entry (or one that upgrades) holds the file's size lock and has looked at nothing yet.</summary>
    internal const string EntryJoining = "entry.joining";

    /// <summary>The last reference to a file's entry in the process is gone: the registry has forgotten the entry, which is not closed yet.</summary>
    internal const string EntryClosing = "entry.closing";

    /// <summary>
    /// A read-only open of a queue that other processes use in shared mode has read the header (slots and cursor words) for a
    /// snapshot and not yet the file's length.
    /// </summary>
    internal const string SnapshotHeaderRead = "snapshot.header";

    /// <summary>A read-only open has taken the shared size lock to look for writers and not yet let it go.</summary>
    internal const string DeferredOpenLocked = "deferred.open";

    /// <summary>A read-only open that may read without a mapping has let the shared size lock go and not yet returned.</summary>
    internal const string DeferredOpenUnlocked = "deferred.open.unlocked";

    /// <summary>
    /// A push or pop of a queue used by this process alone has stored its commit word (the tail or the head) and not yet
    /// ended its access to the mapping.
    /// </summary>
    internal const string CommitStored = "commit.stored";

    /// <summary>Every queue point, for tests that visit each one.</summary>
    internal static readonly string[] All =
    [
        PushPayload, PushHeader, PushCommitted, WrapMarker, WrapReposition, PopRead, PopCommitted,
        GrowExtended, GrowCopying, GrowCopied, GrowFlipped, FlipTorn, FlipWritten,
        ShrinkFlipped, ShrinkTruncated, EraseCommitted, RecoverFlipped,
    ];

    private static readonly bool s_enabled = AppContext.TryGetSwitch(SwitchName, out bool enabled) && enabled;

    /// <summary>Gets or sets what runs at each point while the switch is on.</summary>
    internal static Action<string>? Hook { get; set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Hit(string point)
    {
        if (s_enabled)
        {
            Hook?.Invoke(point);
        }
    }
}
