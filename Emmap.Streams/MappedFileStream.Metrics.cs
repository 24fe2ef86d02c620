using Emmap.Streams.Diagnostics;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    // An explicit static constructor runs before the first stream exists, so the meter is always published.
    static MappedFileStream()
    {
        MappedFileMetrics.Register();
    }
}
