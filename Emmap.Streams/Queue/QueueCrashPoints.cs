using System;
using System.Runtime.CompilerServices;

namespace Emmap.Streams;

/// <summary>
/// Named points inside queue operations where the crash tests stop a child process (docs/queue-format.md,
/// "Crash matrix"). Off unless the process sets the <see cref="SwitchName"/> AppContext switch before the
/// first queue operation; then every point calls <see cref="Hook"/>, which may kill the process.
/// When the switch is off, <see cref="Hit"/> compiles to nothing in optimized code.
/// </summary>
internal static class QueueCrashPoints
{
    /// <summary>The AppContext switch that enables the hook.</summary>
    internal const string SwitchName = "Emmap.Streams.Queue.CrashPoints";

    internal const string PushPayload = "push.payload";
    internal const string PushHeader = "push.header";
    internal const string PushCommitted = "push.committed";
    internal const string WrapMarker = "wrap.marker";
    internal const string WrapReposition = "wrap.reposition";
    internal const string PopRead = "pop.read";
    internal const string PopCommitted = "pop.committed";
    internal const string GrowExtended = "grow.extended";
    internal const string GrowCopying = "grow.copying";
    internal const string GrowCopied = "grow.copied";
    internal const string GrowFlipped = "grow.flipped";
    internal const string FlipTorn = "flip.torn";
    internal const string FlipWritten = "flip.written";
    internal const string ShrinkFlipped = "shrink.flipped";
    internal const string ShrinkTruncated = "shrink.truncated";
    internal const string EraseCommitted = "erase.committed";
    internal const string RecoverFlipped = "recover.flipped";

    /// <summary>Every point, for tests that visit each one.</summary>
    internal static readonly string[] All =
    [
        PushPayload, PushHeader, PushCommitted, WrapMarker, WrapReposition, PopRead, PopCommitted,
        GrowExtended, GrowCopying, GrowCopied, GrowFlipped, FlipTorn, FlipWritten,
        ShrinkFlipped, ShrinkTruncated, EraseCommitted, RecoverFlipped,
    ];

    private static readonly bool s_enabled = AppContext.TryGetSwitch(SwitchName, out bool enabled) && enabled;

    /// <summary>Gets or sets what runs at each point while the switch is on.</summary>
    internal static Action<string>? Hook { get; set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Hit(string point)
    {
        if (s_enabled)
        {
            Hook?.Invoke(point);
        }
    }
}
