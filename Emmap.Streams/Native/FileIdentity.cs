namespace Emmap.Streams.Native;

/// <summary>
/// Identifies a file independently of the path used to open it: device and inode numbers, plus the file's birth time
/// where the file system records one, so that an inode number reused by a new file after a deletion is a different identity.
/// </summary>
/// <param name="Device">The device number.</param>
/// <param name="Inode">The inode number.</param>
/// <param name="Birth">The birth time in nanoseconds since the epoch, or 0 where the file system does not record it.</param>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Birth);
