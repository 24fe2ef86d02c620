namespace Emmap.Streams;

/// <summary>Whether writes through a mapping reach the file and other mappings of it.</summary>
public enum MapSharing
{
    /// <summary>
    /// Writes go to the file's pages at once: other handles and processes mapping the file, and plain
    /// reads of the file, see them immediately (emmap <c>shared</c>). The default.
    /// </summary>
    Shared = 0,

    /// <summary>
    /// Copy-on-write: writes stay in this handle's own pages and reach neither the file nor any other
    /// mapping (emmap <c>private</c>). The file's length may still change when the open itself must
    /// size a new or empty file. The handle's pages stay in the address range reserved at its open (at least twice
    /// the file's size): growing past it throws <see cref="System.IO.IOException"/>.
    /// </summary>
    Private = 1,
}
