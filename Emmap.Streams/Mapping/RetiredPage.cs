using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The address range of a shared-state page this process has left (Unix). A stream's write may still read the page's shrink
/// counter through an address it took before the file closed (<see cref="SharedFileState.ShrinksAddress"/>), so the page is
/// not unmapped at once: a zero page replaces it in one <c>mmap(MAP_FIXED)</c>, which lets go of the page file as an unmap
/// does, and the finalizer returns the address range when no stream of the file can be reached any more. Counted with the
/// detached regions, whose collection keeps such ranges from piling up (<see cref="Region.ThrottleReservations"/>).
/// </summary>
internal sealed unsafe class RetiredPage
{
    private readonly byte* _address;
    private readonly nuint _length;

    private RetiredPage(byte* address, nuint length)
    {
        _address = address;
        _length = length;
        Region.CountAwaitingFinalizer(1);
    }

    ~RetiredPage()
    {
        Mmap.Release(_address, _length);
        Region.CountAwaitingFinalizer(-1);
    }

    /// <summary>
    /// Replaces the mapped page at <paramref name="address"/> by a read-only zero page and keeps the range until finalization.
    /// Should the replacement fail (no memory for the mapping), the page stays mapped until then instead.
    /// </summary>
    internal static RetiredPage Retire(byte* address, nuint length)
    {
        _ = Mmap.TryMapAnonymous(address, length, UnixConstants.ProtRead);
        return new RetiredPage(address, length);
    }
}
