using System;
using System.Threading;

namespace Emmap.Streams.Testing;

/// <summary>
/// The seam through which tests make native I/O fail. A hook installed with <see cref="Install"/>
/// is consulted before each slow-path native call made on the installing async flow; returning a
/// non-zero errno makes that call fail with it, exactly as if the kernel had refused.
/// Hot paths (reads, writes, atomics) never consult it.
/// </summary>
internal static class FaultInjection
{
    private static readonly AsyncLocal<Func<FaultPoint, int>?> s_hook = new();
    private static int s_installed;

    /// <summary>Installs <paramref name="hook"/> for the current async flow until the returned scope is disposed.</summary>
    internal static IDisposable Install(Func<FaultPoint, int> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        s_hook.Value = hook;
        Interlocked.Increment(ref s_installed);
        return new Scope();
    }

    /// <summary>Returns the errno to fail <paramref name="point"/> with, or 0 to go ahead.</summary>
    internal static int Check(FaultPoint point)
    {
        if (Volatile.Read(ref s_installed) == 0)
        {
            return 0;
        }

        return s_hook.Value?.Invoke(point) ?? 0;
    }

    private sealed class Scope : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                s_hook.Value = null;
                Interlocked.Decrement(ref s_installed);
            }
        }
    }
}
