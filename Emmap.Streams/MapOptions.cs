using System.IO;

namespace Emmap.Streams;

/// <summary>
/// How <see cref="MappedFileStream.Open(string, MapOptions?)"/> opens and maps a file: the .NET
/// shape of emmap's open option list. <see cref="Mode"/> and <see cref="Access"/> mean what they mean for a
/// <see cref="FileStream"/>; the other members are emmap's.
/// </summary>
/// <example>
/// <code>
/// var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4096 };
/// using var stream = MappedFileStream.Open("data.bin", options);
/// </code>
/// </example>
public sealed class MapOptions
{
    /// <summary>The default for <see cref="MaxIncrementSize"/>: 64 MiB, as in emmap.</summary>
    public const long DefaultMaxIncrementSize = 64L * 1024 * 1024;

    /// <summary>
    /// Gets or sets how the file is opened or created (emmap <c>create</c>, <c>truncate</c>), as for a <see cref="FileStream"/>:
    /// the modes that create or truncate need write access, and <see cref="FileMode.Append"/> needs <see cref="FileAccess.Write"/> alone.
    /// </summary>
    /// <value>Default <see cref="FileMode.Open"/>.</value>
    public FileMode Mode { get; set; } = FileMode.Open;

    /// <summary>
    /// Gets or sets the access (emmap <c>read</c>, <c>write</c>). <see cref="FileAccess.Write"/> gives a write-only stream, as for a
    /// <see cref="FileStream"/>; the mapping itself still needs permission to read the file.
    /// </summary>
    /// <value>Default <see cref="FileAccess.Read"/>.</value>
    public FileAccess Access { get; set; } = FileAccess.Read;

    /// <summary>
    /// Gets or sets whether writes reach the file and other mappings. Unlike emmap, which defaults
    /// to <c>private</c> and silently drops writes, the default is <see cref="MapSharing.Shared"/>.
    /// </summary>
    /// <value>Default <see cref="MapSharing.Shared"/>.</value>
    public MapSharing Sharing { get; set; } = MapSharing.Shared;

    /// <summary>
    /// Gets or sets the initial length, in bytes, of a file that the open creates, truncates or finds empty (emmap <c>{size, N}</c>):
    /// such a file is extended with zeros to this length. An existing non-empty file keeps its own length, whatever this value
    /// (unless <see cref="Fit"/> is set and the file is shorter). A read-only stream writes nothing, so it ignores this value.
    /// Zero means "not given": the stream starts empty and grows at the first write, as a <see cref="FileStream"/>.
    /// </summary>
    /// <value>Default 0.</value>
    public long Size { get; set; }

    /// <summary>
    /// Gets or sets whether <see cref="StreamExtensions.ReadAt(System.IO.Stream, long, int)"/>
    /// returns zero-copy views of the mapped bytes instead of copies (emmap <c>direct</c>).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Direct { get; set; }

    /// <summary>
    /// Gets or sets whether the length is fixed once the stream is open (after <see cref="Size"/> or <see cref="Fit"/> applied):
    /// writes past the end and length changes throw <see cref="IOException"/> instead of growing the file (emmap <c>fixed_size</c>).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool FixedSize { get; set; }

    /// <summary>
    /// Gets or sets whether an existing file shorter than the requested length is grown to it (emmap <c>fit</c>): for a whole
    /// file, to <see cref="Size"/>; for a window, to the window's end (without it, a window past the end is refused). A longer
    /// file is mapped whole either way. Growing needs write access: a read-only stream that would have to grow throws
    /// <see cref="System.NotSupportedException"/>.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Fit { get; set; }

    /// <summary>Gets or sets whether the file is deleted when the stream is disposed (emmap <c>auto_unlink</c>).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool AutoUnlink { get; set; }

    /// <summary>Gets or sets whether the mapped pages are faulted in at open, ahead of first use (emmap <c>populate</c>).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Populate { get; set; }

    /// <summary>
    /// Gets or sets the growth threshold: the capacity doubles while below it and then grows by it
    /// (emmap <c>{max_inc_size, N}</c>).
    /// </summary>
    /// <value>Default <see cref="DefaultMaxIncrementSize"/> (64 MiB).</value>
    public long MaxIncrementSize { get; set; } = DefaultMaxIncrementSize;

    /// <summary>
    /// Gets or sets the permissions of a file this open creates, subject to the umask (emmap <c>{chmod, Mode}</c>). The
    /// <see cref="MappedFileStream"/> constructors use <see cref="FileStream"/>'s default instead (<c>0666</c> less the umask).
    /// </summary>
    /// <value>Default <c>0600</c> (<see cref="UnixFileMode.UserRead"/> | <see cref="UnixFileMode.UserWrite"/>), as emmap.</value>
    public UnixFileMode UnixCreateMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Returns a copy of these options, so a stream is not affected by later changes to them.</summary>
    /// <returns>A new <see cref="MapOptions"/> with the same values.</returns>
    public MapOptions Clone() => (MapOptions)MemberwiseClone();
}
