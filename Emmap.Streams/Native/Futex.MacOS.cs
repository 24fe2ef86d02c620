namespace Emmap.Streams.Native;

/// <summary>
/// The macOS half of <see cref="Futex"/>: <c>__ulock_wait</c>/<c>__ulock_wake</c> with <c>UL_COMPARE_AND_WAIT_SHARED</c>, keyed by
/// the memory object and offset rather than the address, so processes sharing a file mapping meet on the same word.
/// </summary>
internal static unsafe partial class Futex
{
    private const int ErrorTimedOutMacOS = 60;

    private static WaitResult WaitMacOS(uint* address, uint expected, int timeoutMilliseconds)
    {
        if (System.Threading.Volatile.Read(ref *address) != expected)
        {
            return WaitResult.Changed;
        }

        // 0 waits forever; with ULF_NO_ERRNO a timeout returns -ETIMEDOUT, a word that changed first returns at once. The
        // timeout is in microseconds, a 32-bit count: a longer wait ends after the largest (about 71 minutes).
        uint timeout = timeoutMilliseconds < 0 ? 0 : (uint)System.Math.Min(System.Math.Max(1L, timeoutMilliseconds) * 1000, uint.MaxValue);
        int result = Libc.UlockWait(Libc.UlockCompareAndWaitShared | Libc.UlockNoErrno, address, expected, timeout);
        return result == -ErrorTimedOutMacOS ? WaitResult.TimedOut : WaitResult.Woken;
    }

    private static int WakeMacOS(uint* address, int count)
    {
        uint operation = Libc.UlockCompareAndWaitShared | Libc.UlockNoErrno | (count > 1 ? Libc.UlockWakeAll : 0);

        // -ENOENT: nobody was waiting.
        return Libc.UlockWake(operation, address, 0) < 0 ? 0 : 1;
    }
}
