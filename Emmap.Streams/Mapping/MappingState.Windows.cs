using System.Runtime.Versioning;

namespace Emmap.Streams.Mapping;

/// <summary>The Windows half of <see cref="MappingState"/>: releasing the regions of a state whose last reference went.</summary>
internal sealed partial class MappingState
{
    /// <summary>
    /// Under the gate, after the length was lowered to 0 and the cut counter advanced: if no thread is inside an access of this
    /// state (<see cref="AccessSlots.IsIdle"/>), every region is released now; otherwise each is left to its finalizer, and
    /// the file waits for it (<see cref="FileEntry.DeferRegionRelease"/>).
    /// </summary>
    [SupportedOSPlatform("windows")]
    private void ReleaseRegionsWindows()
    {
        bool idle = AccessSlots.IsIdle(Id);
        ReleaseRegion(Region, idle);
        if (_retired is not null)
        {
            foreach (Region region in _retired)
            {
                ReleaseRegion(region, idle);
            }
        }
    }

    [SupportedOSPlatform("windows")]
    private void ReleaseRegion(Region region, bool idle)
    {
        if (idle)
        {
            region.ReleaseNow();
        }
        else
        {
            File.DeferRegionRelease(region);
        }
    }
}
