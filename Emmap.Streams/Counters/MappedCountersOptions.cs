using System.IO;

namespace Emmap.Streams;

/// <summary>How <see cref="MappedCounters.Open(string, int, MappedCountersOptions?)"/> opens or creates a counter file.</summary>
/// <example>
/// <code>
/// // A monitoring process that only reads counters another service updates:
/// using var counters = MappedCounters.Open("/var/lib/app/events.counters", 0, new MappedCountersOptions { Access = FileAccess.Read });
/// </code>
/// </example>
public sealed class MappedCountersOptions
{
    /// <summary>
    /// Gets or sets the access: <see cref="FileAccess.ReadWrite"/> (create or open, update counters) or
    /// <see cref="FileAccess.Read"/> (open an existing file; only <see cref="MappedCounters.Read"/> works).
    /// </summary>
    /// <value>Default <see cref="FileAccess.ReadWrite"/>.</value>
    public FileAccess Access { get; set; } = FileAccess.ReadWrite;

    /// <summary>Gets or sets the permissions of a counter file that the open creates, subject to the umask.</summary>
    /// <value>Default <c>0600</c> (<see cref="UnixFileMode.UserRead"/> | <see cref="UnixFileMode.UserWrite"/>); use <c>0660</c> to share with a group.</value>
    public UnixFileMode UnixCreateMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
