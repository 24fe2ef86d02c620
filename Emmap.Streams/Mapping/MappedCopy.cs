using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The copy of the positional hot paths. Copies of 16 to 128 bytes (the size of most record, cell and field accesses) are
/// done inline with overlapping vector loads and stores, loads first, so they also behave as a memmove when the caller's
/// buffer is a view of the same mapping. Every other size goes to the runtime's block copy.
/// </summary>
/// <remarks>
/// <para>Inlining matters here: a call to the general copy routine makes the caller spill everything it needs afterwards,
/// which costs as much as the checks that keep mapped access safe.</para>
/// <para>When the length is a constant at the call site (a fixed-size record, after the fast path is inlined into the
/// caller's loop), every test below folds away and what is left is the copy an inlined constant-size copy would do: one
/// 64-byte load and store for 64 bytes where the CPU has 512-bit vectors.</para>
/// </remarks>
internal static class MappedCopy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(ref byte destination, ref byte source, uint length)
    {
        if (length - 16 <= 48)
        {
            if (length < 32)
            {
                Vector128<byte> head = Vector128.LoadUnsafe(ref source);
                Vector128<byte> tail = Vector128.LoadUnsafe(ref source, length - 16);
                head.StoreUnsafe(ref destination);
                tail.StoreUnsafe(ref destination, length - 16);
            }
            else if (length == 64 && Vector512.IsHardwareAccelerated)
            {
                Vector512.LoadUnsafe(ref source).StoreUnsafe(ref destination);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Vector256<byte> head = Vector256.LoadUnsafe(ref source);
                Vector256<byte> tail = Vector256.LoadUnsafe(ref source, length - 32);
                head.StoreUnsafe(ref destination);
                tail.StoreUnsafe(ref destination, length - 32);
            }
            else
            {
                Vector128<byte> first = Vector128.LoadUnsafe(ref source);
                Vector128<byte> second = Vector128.LoadUnsafe(ref source, 16);
                Vector128<byte> third = Vector128.LoadUnsafe(ref source, length - 32);
                Vector128<byte> fourth = Vector128.LoadUnsafe(ref source, length - 16);
                first.StoreUnsafe(ref destination);
                second.StoreUnsafe(ref destination, 16);
                third.StoreUnsafe(ref destination, length - 32);
                fourth.StoreUnsafe(ref destination, length - 16);
            }

            return;
        }

        if (length - 65 <= 63 && Vector512.IsHardwareAccelerated)
        {
            Vector512<byte> head = Vector512.LoadUnsafe(ref source);
            Vector512<byte> tail = Vector512.LoadUnsafe(ref source, length - 64);
            head.StoreUnsafe(ref destination);
            tail.StoreUnsafe(ref destination, length - 64);
            return;
        }

        Unsafe.CopyBlockUnaligned(ref destination, ref source, length);
    }
}
