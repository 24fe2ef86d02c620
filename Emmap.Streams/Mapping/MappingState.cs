using System.Collections.Generic;
using System.Threading;

namespace Emmap.Streams.Mapping;

/// <summary>
/// What the hot paths read: the current <see cref="Region"/> and the end of the data, in file
/// coordinates. All <see cref="MapSharing.Shared"/> handles of one file in the process share one
/// state (one mapping, one length, as all <c>FileStream</c>s of a file see one file length); each
/// <see cref="MapSharing.Private"/> handle has its own.
/// </summary>
/// <remarks>
/// Lifetime: the state lives while handles or direct views reference it (<see cref="TryAddRef"/>,
/// <see cref="Release"/>). When the last reference goes, its regions are detached from the file and
/// the file is trimmed; see <see cref="FileEntry"/>. Fields other than the two hot ones change only
/// with <see cref="FileEntry.Gate"/> held.
/// </remarks>
internal sealed unsafe class MappingState
{
    /// <summary>The current region (under the gate; hot paths read <see cref="Base"/> instead).</summary>
    internal Region Region;

    /// <summary>
    /// The base address of <see cref="Region"/>, next to <see cref="Length"/> so a hot path needs one object. Valid for as long
    /// as this state is reachable: the state references every region it ever used.
    /// </summary>
    internal nint Base;

    /// <summary>
    /// End of the data in file coordinates. Published after the bytes and pages it covers exist; lowered before pages are
    /// cut; -1 once the state is detached from the file, so an access that raced with the detach sees it in its one
    /// after-copy check.
    /// </summary>
    internal long Length;

    internal readonly FileEntry File;
    internal readonly bool IsPrivate;

    /// <summary>Open handles attached to this state (changes under the gate).</summary>
    internal int Handles;

    private int _refs;
    private List<Region>? _retired;

    internal MappingState(FileEntry file, Region region, long length, bool isPrivate)
    {
        File = file;
        Region = region;
        Base = (nint)region.Base;
        Length = length;
        IsPrivate = isPrivate;
    }

    /// <summary>Live direct views and pins (an estimate outside the gate).</summary>
    internal int ViewCount => Volatile.Read(ref _refs) - Volatile.Read(ref Handles);

    /// <summary>Regions this state has moved away from; still mapped for views made on them.</summary>
    internal IReadOnlyList<Region> Retired => (IReadOnlyList<Region>?)_retired ?? [];

    /// <summary>Takes a reference unless the state has already been released.</summary>
    internal bool TryAddRef()
    {
        int current = Volatile.Read(ref _refs);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _refs, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Takes the first reference of a new state.</summary>
    internal void InitializeRef() => Volatile.Write(ref _refs, 1);

    /// <summary>Drops a reference; the last one releases the mapping.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            File.OnStateReleased(this);
        }
        else if (File.PendingTrim)
        {
            File.RetryPendingTrim();
        }
    }

    /// <summary>Switches to <paramref name="region"/> (under the gate), keeping the old one mapped for its views.</summary>
    internal void MoveTo(Region region)
    {
        (_retired ??= []).Add(Region);
        Volatile.Write(ref Region, region);
        Volatile.Write(ref Base, (nint)region.Base);
    }

    /// <summary>Marks the state detached (<see cref="Length"/> -1), then detaches every region of it from the file (under the gate).</summary>
    internal void DetachAll()
    {
        Interlocked.Exchange(ref Length, -1);
        Region.Detach();
        if (_retired is not null)
        {
            foreach (Region region in _retired)
            {
                region.Detach();
            }
        }
    }
}
