namespace Emmap.Streams.Mapping;

/// <summary>
/// Windows: one piece of a <see cref="Region"/>'s address range, <c>[Offset, Offset + Length)</c> from its base: a view of the
/// file (unmapped with <c>UnmapViewOfFile2</c>) or a block of zero pages (freed with <c>VirtualFree</c>).
/// </summary>
/// <param name="Offset">The offset from the region's base.</param>
/// <param name="Length">The length, a page multiple.</param>
/// <param name="IsView">True for a file view, false for zero pages.</param>
internal readonly record struct RegionSegment(nuint Offset, nuint Length, bool IsView);
