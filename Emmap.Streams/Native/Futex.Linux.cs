namespace Emmap.Streams.Native;

/// <summary>
/// The Linux half of <see cref="Futex"/>: <c>FUTEX_WAIT</c>/<c>FUTEX_WAKE</c> without <c>FUTEX_PRIVATE_FLAG</c>, so waiters and
/// wakers in different processes sharing a <c>MAP_SHARED</c> file mapping meet on the same word (the kernel keys a shared
/// futex by inode and offset).
/// </summary>
internal static unsafe partial class Futex
{
    private const int ErrorAgainLinux = 11;
    private const int ErrorTimedOutLinux = 110;

    private static WaitResult WaitLinux(uint* address, uint expected, int timeoutMilliseconds)
    {
        var timeout = new Libc.TimeSpec { Seconds = timeoutMilliseconds / 1000, Nanoseconds = timeoutMilliseconds % 1000 * 1_000_000L };
        long result = Libc.FutexCall(Libc.FutexSyscallNumber, address, Libc.FutexWait, expected, timeoutMilliseconds < 0 ? null : &timeout, null, 0);
        if (result == 0)
        {
            return WaitResult.Woken;
        }

        return NativeErrors.LastError() switch
        {
            ErrorAgainLinux => WaitResult.Changed,
            ErrorTimedOutLinux => WaitResult.TimedOut,
            _ => WaitResult.Woken, // EINTR: look again.
        };
    }

    private static int WakeLinux(uint* address, int count)
    {
        long woken = Libc.FutexCall(Libc.FutexSyscallNumber, address, Libc.FutexWake, (uint)count, null, null, 0);
        return woken < 0 ? 0 : (int)woken;
    }
}
