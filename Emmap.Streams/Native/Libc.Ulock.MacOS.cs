using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>
/// The macOS address-wait entry points (<see cref="Futex"/> wraps them): <c>__ulock_wait</c> and <c>__ulock_wake</c> in
/// libSystem (macOS 10.12+; libc++'s atomic wait uses them). Constants from xnu <c>bsd/sys/ulock.h</c>. Not variadic, so
/// callable through LibraryImport on arm64 too.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary><c>UL_COMPARE_AND_WAIT_SHARED</c>: a 32-bit compare-and-wait keyed by memory object and offset, so it works across processes.</summary>
    internal const uint UlockCompareAndWaitShared = 3;

    /// <summary><c>ULF_WAKE_ALL</c>.</summary>
    internal const uint UlockWakeAll = 0x0000_0100;

    /// <summary><c>ULF_NO_ERRNO</c>: return the negated error instead of setting errno.</summary>
    internal const uint UlockNoErrno = 0x0100_0000;

    /// <summary><c>int __ulock_wait(uint32_t operation, void *addr, uint64_t value, uint32_t timeout_us)</c>; a timeout of 0 waits forever.</summary>
    [LibraryImport(LibraryName, EntryPoint = "__ulock_wait")]
    internal static partial int UlockWait(uint operation, void* address, ulong value, uint timeoutMicroseconds);

    /// <summary><c>int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "__ulock_wake")]
    internal static partial int UlockWake(uint operation, void* address, ulong wakeValue);
}
