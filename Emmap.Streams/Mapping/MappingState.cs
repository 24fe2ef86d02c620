using System.Collections.Generic;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// What the hot paths read: the current <see cref="Region"/>, the end of the data and the cut counter, in file
/// coordinates. All <see cref="MapSharing.Shared"/> handles of one file in the process share one state (one mapping, one
/// length, as all <c>FileStream</c>s of a file see one file length); each <see cref="MapSharing.Private"/> handle has its own.
/// </summary>
/// <remarks>
/// <para>The access protocol (<see cref="MappedAccess"/>) reads <see cref="Cuts"/>, then <see cref="Length"/> and
/// <see cref="Base"/>, touches memory, and reads <see cref="Cuts"/> again. Whoever takes bytes away (a shrink, a detach,
/// another process's shrink seen by a refresh) lowers <see cref="Length"/> first, then advances <see cref="Cuts"/> with
/// <see cref="RecordCut"/>, and only then replaces pages. So an access that passed its range check on the old length and
/// may have touched cut pages always sees the counter move, even if the length grew back meanwhile.</para>
/// <para>Each open handle keeps its own copy of the three (<see cref="HandleAccess"/>, clipped to its window), which the
/// methods here update for every attached handle in the same order: a lower length before the counter, the counter before
/// any page is replaced, the base before a larger length.</para>
/// <para>Lifetime: the state lives while handles or direct views reference it (<see cref="TryAddRef"/>,
/// <see cref="Release"/>). When the last reference goes, its regions are detached from the file; see
/// <see cref="FileEntry"/>. Fields other than the three hot ones change only with <see cref="FileEntry.Gate"/> held.</para>
/// </remarks>
internal sealed unsafe partial class MappingState
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
    /// cut; 0 once the state is detached from the file.
    /// </summary>
    internal long Length;

    /// <summary>The cut counter: advanced after <see cref="Length"/> is lowered and before any page is replaced.</summary>
    internal long Cuts;

    /// <summary>
    /// Where the file's shrink counter is (<see cref="SharedFileState.ShrinksAddress"/>), as published to the handles with
    /// <see cref="SeenShrinks"/>; a counter that never moves for a private mapping, which no other process writes through.
    /// </summary>
    internal nint ShrinksAddress = SharedFileState.NoShrinksAddress;

    /// <summary>The shrink count read at the last look at the shared length (<see cref="AdoptShrinks"/>, under the gate).</summary>
    internal long SeenShrinks;

    internal readonly FileEntry File;
    internal readonly bool IsPrivate;

    /// <summary>A number no other state of the process has (never 0), by which <see cref="AccessSlots"/> records accesses.</summary>
    internal readonly long Id = Interlocked.Increment(ref s_lastId);

    private const long HandleRef = (1L << 32) + 1;

    private static long s_lastId;

    private readonly List<MappedView> _views = [];
    // The references on the mapping in one word, so that the views' count is read in one load: the low 32 bits count every
    // reference, the high 32 bits the handles' (one per attached handle); the rest are direct views and pins.
    private long _refs;
    private List<Region>? _retired;
    private CutHistory? _history;

    internal MappingState(FileEntry file, Region region, long length, bool isPrivate)
    {
        File = file;
        Region = region;
        Base = (nint)region.Base;
        Length = length;
        IsPrivate = isPrivate;
    }

    /// <summary>Live direct views and pins, as of one moment.</summary>
    internal int ViewCount
    {
        get
        {
            long refs = Volatile.Read(ref _refs);
            return (int)(uint)refs - (int)(refs >>> 32);
        }
    }

    /// <summary>Regions this state has moved away from; still mapped for views made on them.</summary>
    internal IReadOnlyList<Region> Retired => (IReadOnlyList<Region>?)_retired ?? [];

    /// <summary>Takes a reference for a direct view or pin unless the state has already been released.</summary>
    internal bool TryAddRef() => TryAdd(1);

    /// <summary>Takes a reference for a handle that attaches, unless the state has already been released (under the gate).</summary>
    internal bool TryAddHandleRef() => TryAdd(HandleRef);

    /// <summary>Takes the first reference of a new state, its first handle's.</summary>
    internal void InitializeRef() => Volatile.Write(ref _refs, HandleRef);

    /// <summary>Drops a view's or pin's reference; the last reference releases the mapping.</summary>
    internal void Release() => Drop(1);

    /// <summary>Drops a handle's reference, after the handle is disposed or failed to open; the last reference releases the mapping.</summary>
    internal void ReleaseHandle() => Drop(HandleRef);

    private bool TryAdd(long amount)
    {
        long current = Volatile.Read(ref _refs);
        while ((uint)current > 0)
        {
            long seen = Interlocked.CompareExchange(ref _refs, current + amount, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private void Drop(long amount)
    {
        if ((uint)Interlocked.Add(ref _refs, -amount) == 0)
        {
            File.OnStateReleased(this);
        }
        else if (File.PendingTrim)
        {
            File.RetryPendingTrim();
        }
    }

    /// <summary>Starts keeping <paramref name="view"/>'s copy of the protocol's inputs up to date, and fills it (under the gate).</summary>
    internal void AttachView(MappedView view)
    {
        _views.Add(view);
        view.PublishAccess();
    }

    /// <summary>Stops updating <paramref name="view"/>'s copy (under the gate, once the view has refused every access).</summary>
    internal void DetachView(MappedView view) => _views.Remove(view);

    /// <summary>Publishes a larger <see cref="Length"/> (under the gate, after the pages it covers are mapped).</summary>
    internal void Grow(long length)
    {
        if (length > Volatile.Read(ref Length))
        {
            Volatile.Write(ref Length, length);
            PublishEnds();
        }
    }

    /// <summary>
    /// Lowers <see cref="Length"/> to <paramref name="length"/> and advances the cut counter (under the gate), before the
    /// caller replaces any page at or past it. <paramref name="erasing"/> says whether the bytes past it leave the file (a
    /// shrink) or stay there (another process's shrink seen by a refresh: its own cut erases them). Returns false if the
    /// length was not above it (nothing is cut).
    /// </summary>
    internal bool Cut(long length, bool erasing = true)
    {
        if (Volatile.Read(ref Length) <= length)
        {
            return false;
        }

        Volatile.Write(ref Length, length);
        PublishEnds();
        RecordCut(erasing ? length : long.MaxValue);
        return true;
    }

    /// <summary>
    /// Advances the cut counter for a cut that erases every byte from <paramref name="from"/> on (<see cref="long.MaxValue"/>:
    /// a cut that erases nothing), under the gate.
    /// </summary>
    internal void RecordCut(long from)
    {
        long next = Cuts + 1;
        if (_history is not null || from != long.MaxValue)
        {
            // Until a cut erases something, every update stands: no history is needed (and a state detached at its last
            // close, the usual case, never allocates one).
            (_history ??= new CutHistory()).Record(next, from);
        }

        foreach (MappedView view in _views)
        {
            view.PublishCuts(next);
        }

        // A full fence: the lowered lengths are visible before the counters, and all of them before any page is replaced.
        Interlocked.Exchange(ref Cuts, next);
    }

    /// <summary>
    /// Takes in the shrink count <paramref name="seen"/> at <paramref name="address"/>, read before the shared length that was
    /// just taken in (under the gate). If it moved, another process shrank the file since the handles' ends were published, so
    /// a write in flight may have been checked against an end from before: the cut counter moves first, so that every access
    /// in flight is made again, then the count and, last, its address are published (a write that reads either new value
    /// reads the moved cut counter after them; see <see cref="MappedAccess.EndWrite(MappedFileStream)"/>).
    /// </summary>
    internal void AdoptShrinks(nint address, long seen)
    {
        if (address == ShrinksAddress && seen == SeenShrinks)
        {
            return;
        }

        RecordCut(long.MaxValue);
        Volatile.Write(ref SeenShrinks, seen);
        Volatile.Write(ref ShrinksAddress, address);
        foreach (MappedView view in _views)
        {
            view.PublishShrinks();
        }
    }

    /// <summary>
    /// Under the gate: whether an update that began when the counter was <paramref name="since"/> and touched bytes before
    /// <paramref name="end"/> (file coordinates) missed every erasing cut made since, so that what it did is in the file.
    /// </summary>
    internal bool Untouched(long since, long end) => since == Cuts || (_history?.Untouched(since, Cuts, end) ?? true);

    /// <summary>Switches to <paramref name="region"/> (under the gate), keeping the old one mapped for its views.</summary>
    internal void MoveTo(Region region)
    {
        (_retired ??= []).Add(Region);
        Volatile.Write(ref Region, region);
        Volatile.Write(ref Base, (nint)region.Base);
        foreach (MappedView view in _views)
        {
            view.PublishBase();
        }
    }

    /// <summary>
    /// Marks the state detached (length 0, a cut of everything), then detaches every region of it from the file (under the
    /// gate). On Windows the regions are released instead: at once if no access can be in flight, otherwise by their
    /// finalizers, which <see cref="FileEntry"/> waits for before it closes the file.
    /// </summary>
    /// <returns>True if every region let go of the file's pages (or will, on Windows).</returns>
    internal bool DetachAll()
    {
        // The file keeps its bytes: an update that raced with the last close landed before the pages were swapped, or in
        // the swapped-in zero page of a closed handle (see docs/lifetime-and-concurrency.md).
        Volatile.Write(ref Length, 0);
        PublishEnds();
        RecordCut(long.MaxValue);
        if (Platform.IsWindows)
        {
            ReleaseRegionsWindows();
            return true;
        }

        bool detached = Region.Detach();
        if (_retired is not null)
        {
            foreach (Region region in _retired)
            {
                detached &= region.Detach();
            }
        }

        return detached;
    }

    private void PublishEnds()
    {
        foreach (MappedView view in _views)
        {
            view.PublishEnds();
        }
    }
}
