namespace Emmap.Streams.Testing;

/// <summary>The native operations at which <see cref="FaultInjection"/> can make a call fail.</summary>
internal enum FaultPoint
{
    /// <summary>Reserving disk blocks while creating or growing a file.</summary>
    Allocate,

    /// <summary>Changing the size of a file with <c>ftruncate</c>.</summary>
    Truncate,

    /// <summary>Mapping file pages into memory.</summary>
    Map,

    /// <summary>Writing dirty pages back (<c>msync</c>, <c>fsync</c>).</summary>
    Sync,

    /// <summary>Sleeping until another process commits to a shared queue.</summary>
    Wait,

    /// <summary>Syncing a directory after a new queue or counter file was linked into it (Unix; best effort).</summary>
    SyncDirectory,

    /// <summary>Joining address placeholders back into one after a failed growth (Windows).</summary>
    Coalesce,
}
