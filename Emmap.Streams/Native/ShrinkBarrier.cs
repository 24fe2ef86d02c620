using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Emmap.Streams.Native;

/// <summary>
/// Orders a write made through a stale length in one process against a shrink made by another. The writer stores its bytes,
/// then reads the shared shrink counter; the shrinker raises the counter, then zeroes the cut bytes. Either the writer's
/// read sees the raised counter (and it writes again at the length it then looks up), or its bytes were stored before the
/// shrinker zeroes (and the cut takes them, as if the write came just before it). That needs a store-to-load fence between
/// the two steps of one side or the other: on Linux the shrinker issues it for the threads of every process using the
/// library at once (<c>membarrier</c>; each process registers for it when it first writes), so writers pay nothing; a
/// process that cannot register, and every process on macOS, fences each write instead.
/// </summary>
internal static class ShrinkBarrier
{
    /// <summary>
    /// Gets whether writers must fence before they read the shrink counter: on macOS, and on Linux when this process could
    /// not register for the shrinkers' expedited barrier (a kernel before 4.16, or a sandbox that refuses the call).
    /// Windows does not read the counter (its shared state has none; see <c>SharedFileState.ShrinksAddress</c>). Set when
    /// the class is first used, before any write reads it, and read-only after, so the JIT folds it.
    /// </summary>
    internal static readonly bool WritersFence = OperatingSystem.IsMacOS() || (OperatingSystem.IsLinux() && !TryRegister());

    /// <summary>A writer's half: orders its stores before its read of the shrink counter, where the shrinker cannot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BeforeCheck()
    {
        if (WritersFence)
        {
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>
    /// The shrinker's half, between raising the counter and zeroing the cut bytes (Linux): makes every store that a
    /// registered thread of any process made before now visible, and every read of the counter such a thread makes after now
    /// see the raised value. The expedited command interrupts only the CPUs that run registered processes; should it fail,
    /// the plain one reaches every thread on the system.
    /// </summary>
    internal static void AfterRaise()
    {
        if (OperatingSystem.IsLinux()
            && Libc.MembarrierCall(Libc.MembarrierSyscallNumber, Libc.MembarrierGlobalExpedited, 0, 0) != 0)
        {
            _ = Libc.MembarrierCall(Libc.MembarrierSyscallNumber, Libc.MembarrierGlobal, 0, 0);
        }
    }

    private static bool TryRegister()
    {
        long commands = Libc.MembarrierCall(Libc.MembarrierSyscallNumber, Libc.MembarrierQuery, 0, 0);
        const long Needed = Libc.MembarrierGlobalExpedited | Libc.MembarrierRegisterGlobalExpedited;
        return commands > 0
            && (commands & Needed) == Needed
            && Libc.MembarrierCall(Libc.MembarrierSyscallNumber, Libc.MembarrierRegisterGlobalExpedited, 0, 0) == 0;
    }
}
