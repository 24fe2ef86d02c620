namespace Emmap.Streams.Native.Windows;

/// <summary>How a file view may be accessed; picks the protection of both the section and the view.</summary>
internal enum ViewProtection
{
    /// <summary>Shared and writable: writes reach the file and every other view of it (<c>PAGE_READWRITE</c>).</summary>
    ReadWrite,

    /// <summary>Copy-on-write: writes go to private pages of this process and never reach the file (<c>PAGE_WRITECOPY</c>).</summary>
    CopyOnWrite,

    /// <summary>Read-only (<c>PAGE_READONLY</c>); a write faults. The library itself maps nothing this way.</summary>
    ReadOnly,
}
