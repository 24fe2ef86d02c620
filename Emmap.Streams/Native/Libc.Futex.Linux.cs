using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>The Linux futex entry point (<see cref="Futex"/> wraps it) and the layout it uses, from the kernel's uapi headers.</summary>
internal static unsafe partial class Libc
{
    /// <summary><c>FUTEX_WAIT</c> and <c>FUTEX_WAKE</c> (include/uapi/linux/futex.h), without <c>FUTEX_PRIVATE_FLAG</c>.</summary>
    internal const int FutexWait = 0;
    internal const int FutexWake = 1;

    /// <summary><c>SYS_futex</c>: 202 on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl), 98 on arm64 (include/uapi/asm-generic/unistd.h).</summary>
    internal static readonly long FutexSyscallNumber = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    /// <summary>The kernel's <c>struct timespec</c> on 64-bit Linux: two 64-bit fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>
    /// <c>syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3)</c>. <c>syscall</c> is variadic; on x86-64 and arm64 Linux
    /// integer and pointer arguments of a variadic call travel in the same registers as those of a fixed one (SysV and
    /// AAPCS64; <c>syscall</c> only moves registers and never reads the x86-64 vector count in <c>al</c>), so a
    /// fixed-argument import is sound there.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long FutexCall(long number, uint* address, int operation, uint value, TimeSpec* timeout, void* address2, uint value3);
}
