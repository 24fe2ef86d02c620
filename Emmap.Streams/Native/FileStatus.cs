namespace Emmap.Streams.Native;

/// <summary>What the library needs to know about an open file or a path, read with one <c>statx</c>/<c>fstat</c>.</summary>
/// <param name="Identity">Device, inode and birth time.</param>
/// <param name="Mode">The <c>st_mode</c> bits (type and permissions).</param>
/// <param name="Links">The number of hard links; 0 once the file is deleted, <see cref="UnknownLinks"/> where the file system
/// does not say.</param>
/// <param name="Size">The size in bytes.</param>
internal readonly record struct FileStatus(FileIdentity Identity, int Mode, long Links, long Size)
{
    /// <summary>The link count of a file whose file system does not report one: never taken for a deleted file.</summary>
    internal const long UnknownLinks = -1;

    /// <summary>Gets whether the file is a regular file (not a directory, FIFO, socket or device).</summary>
    internal bool IsRegular => (Mode & UnixConstants.FileTypeMask) == UnixConstants.RegularFile;

    /// <summary>Gets whether the path names a directory.</summary>
    internal bool IsDirectory => (Mode & UnixConstants.FileTypeMask) == UnixConstants.DirectoryFile;
}
