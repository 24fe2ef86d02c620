using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>The Linux <c>membarrier</c> entry point (<see cref="ShrinkBarrier"/> wraps it), from include/uapi/linux/membarrier.h.</summary>
internal static unsafe partial class Libc
{
    /// <summary><c>MEMBARRIER_CMD_QUERY</c>: returns the mask of the commands the kernel supports.</summary>
    internal const int MembarrierQuery = 0;

    /// <summary>
    /// <c>MEMBARRIER_CMD_GLOBAL</c>: on return, every thread of every process on the system has passed a point where its
    /// memory accesses are ordered as its program orders them. Needs no registration by the other processes, and waits for
    /// a grace period of the whole system.
    /// </summary>
    internal const int MembarrierGlobal = 1;

    /// <summary>
    /// <c>MEMBARRIER_CMD_GLOBAL_EXPEDITED</c>: as <see cref="MembarrierGlobal"/>, for the threads of the processes that have
    /// registered (<see cref="MembarrierRegisterGlobalExpedited"/>), by interrupting the CPUs that run them: microseconds,
    /// where the plain command waits for a grace period of the whole system.
    /// </summary>
    internal const int MembarrierGlobalExpedited = 2;

    /// <summary><c>MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED</c>: makes this process a target of <see cref="MembarrierGlobalExpedited"/>.</summary>
    internal const int MembarrierRegisterGlobalExpedited = 4;

    /// <summary><c>SYS_membarrier</c>: 324 on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl), 283 on arm64 (include/uapi/asm-generic/unistd.h).</summary>
    internal static readonly long MembarrierSyscallNumber = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 283 : 324;

    /// <summary><c>syscall(SYS_membarrier, cmd, flags, cpu_id)</c>; a fixed-argument import of the variadic <c>syscall</c>, sound on x86-64 and arm64 Linux (see <see cref="FutexCall"/>).</summary>
    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long MembarrierCall(long number, int command, uint flags, int cpuId);
}
