using System.IO;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

/// <summary>
/// Everything an open produced for one <see cref="MappedFileStream"/>: the stream's constructors (public ones included)
/// take it from the shared open core and only assign fields, so a failed open never leaves a half-built stream holding
/// anything.
/// </summary>
internal sealed class OpenedMapping
{
    /// <summary>Gets the stream's handle on the mapping (one handle already counted on its state), or null when the mapping is deferred.</summary>
    internal required MappedView? View { get; init; }

    /// <summary>Gets the open file of a read-only stream that reads it without a mapping until it needs one, or null.</summary>
    internal DeferredMapping? Deferred { get; init; }

    /// <summary>
    /// Gets the stream's own open of the file, made with the caller's mode, access, sharing and file options; it holds the
    /// sharing lock. Null when the open gave it to the file's entry, which then holds the lock for as long as it lives.
    /// </summary>
    internal required FileStream? OwnFile { get; init; }

    /// <summary>Gets whether the stream may read.</summary>
    internal required bool Readable { get; init; }

    /// <summary>Gets whether the file existed before the open.</summary>
    internal required bool Existed { get; init; }

    /// <summary>Gets the position below which a <see cref="FileMode.Append"/> stream may not seek or truncate, or -1.</summary>
    internal required long AppendStart { get; init; }

    /// <summary>Gets the options the stream reports (a private copy).</summary>
    internal required MapOptions Options { get; init; }

    /// <summary>
    /// Gets or sets whether the stream deletes its file when it is closed (<see cref="FileOptions.DeleteOnClose"/> on Unix, where the
    /// stream deletes it rather than its own open, so that an open that fails after opening the file leaves it in place).
    /// </summary>
    internal bool DeleteOnClose { get; set; }
}
