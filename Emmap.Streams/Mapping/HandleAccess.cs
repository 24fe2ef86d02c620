using System.Runtime.InteropServices;

namespace Emmap.Streams.Mapping;

/// <summary>
/// What the access protocol reads for one handle, copied from its <see cref="MappingState"/> and already clipped to the
/// handle's window and rights, so that the handle's fast paths (<c>ReadAt</c>, <c>WriteAt</c>, the atomics) read one object
/// and compare once. The state writes it under the file's gate, in the protocol's order (<see cref="MappedView.PublishAccess"/>):
/// the base before a larger end, a lower end before a new cut count, and every copy's cut count before any page is replaced.
/// It lives inside the stream the fast paths start from (<see cref="MappedFileStream.Access"/>), so reaching it costs no load.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HandleAccess
{
    /// <summary>The state's cut counter, or -1 once the handle is disposed (so an access in flight sees it move).</summary>
    internal long Cuts;

    /// <summary>The address of position 0: the state's base plus the window's offset.</summary>
    internal nint Base;

    /// <summary>Bytes readable from position 0: the data's end clipped to the window, minus its offset; -1 if the handle cannot read.</summary>
    internal long ReadEnd;

    /// <summary>As <see cref="ReadEnd"/>, for writes inside the data; -1 if the handle cannot write.</summary>
    internal long WriteEnd;

    /// <summary>As <see cref="ReadEnd"/>, for atomic updates, which both read and write; -1 unless the handle can do both.</summary>
    internal long UpdateEnd;

    /// <summary>
    /// Where the file's shrink counter is (<see cref="SharedFileState.ShrinksAddress"/>), read by a write after its bytes are
    /// stored: if it differs from <see cref="SeenShrinks"/>, another process may have shrunk the file below the end the write
    /// was checked against, and the write is made again at the length looked up then.
    /// </summary>
    internal nint ShrinksAddress;

    /// <summary>The shrink count this process had taken in when it last looked at the shared length (<see cref="MappingState.SeenShrinks"/>).</summary>
    internal long SeenShrinks;

    /// <summary>The state's <see cref="MappingState.Id"/>, by which Windows records the handle's accesses (<see cref="AccessSlots"/>).</summary>
    internal long StateId;
}
