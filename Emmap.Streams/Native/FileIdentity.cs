namespace Emmap.Streams.Native;

/// <summary>Identifies a file independently of the path used to open it (device and inode numbers).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode);
