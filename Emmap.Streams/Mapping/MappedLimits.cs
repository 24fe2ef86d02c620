namespace Emmap.Streams.Mapping;

/// <summary>Sizes the mapping layer never exceeds.</summary>
internal static class MappedLimits
{
    /// <summary>The largest file offset a mapping reaches (16 TiB, the largest file of ext4 with 4 KiB blocks).</summary>
    internal const long MaxFileSize = 1L << 44;
}
