using System.IO;

namespace Emmap.Streams;

/// <summary>
/// How <see cref="MappedFileStream.Open(string, MapOptions?)"/> opens and maps a file: the .NET
/// shape of emmap's open option list.
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

    /// <summary>Gets or sets how the file is opened or created (emmap <c>create</c>, <c>truncate</c>).</summary>
    /// <value>Default <see cref="FileMode.Open"/>.</value>
    public FileMode Mode { get; set; } = FileMode.Open;

    /// <summary>
    /// Gets or sets the access: <see cref="FileAccess.Read"/> or <see cref="FileAccess.ReadWrite"/>
    /// (emmap <c>read</c>, <c>write</c>). A mapping cannot be write-only.
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
    /// Gets or sets the length, in bytes, of a new or empty file (emmap <c>{size, N}</c>). When opening
    /// a whole existing file it is also the length the file is expected to have: a non-empty file of
    /// another length is refused unless <see cref="Fit"/> is set. Zero means "not given".
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
    /// Gets or sets whether the length is fixed: writes past the end and length changes throw
    /// <see cref="IOException"/> instead of growing the file (emmap <c>fixed_size</c>).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool FixedSize { get; set; }

    /// <summary>
    /// Gets or sets whether an existing file whose length differs from the requested one is
    /// reconciled instead of refused: a shorter file is grown, a longer one is mapped whole (emmap <c>fit</c>).
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

    /// <summary>Gets or sets the permissions of a file this open creates, subject to the umask (emmap <c>{chmod, Mode}</c>).</summary>
    /// <value>Default <c>0600</c> (<see cref="UnixFileMode.UserRead"/> | <see cref="UnixFileMode.UserWrite"/>).</value>
    public UnixFileMode UnixCreateMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Returns a copy of these options, so a stream is not affected by later changes to them.</summary>
    /// <returns>A new <see cref="MapOptions"/> with the same values.</returns>
    public MapOptions Clone() => (MapOptions)MemberwiseClone();
}
