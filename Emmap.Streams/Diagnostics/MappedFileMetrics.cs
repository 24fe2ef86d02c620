using System.Diagnostics.Metrics;
using Emmap.Streams.Mapping;

namespace Emmap.Streams.Diagnostics;

/// <summary>
/// The <c>Emmap.Streams</c> meter: how many files this process maps and how many direct views pin mappings.
/// Both are observed on demand from the file registry, so the hot paths pay nothing for them.
/// </summary>
/// <remarks>
/// Watch them with <c>dotnet-counters monitor --counters Emmap.Streams</c> or any <see cref="MeterListener"/>;
/// a view count that only grows is a leak (a view that is never disposed keeps its mapping until the process exits).
/// </remarks>
internal static class MappedFileMetrics
{
    internal const string MeterName = "Emmap.Streams";
    internal const string MappedFilesInstrument = "emmap.mapped_files";
    internal const string LiveViewsInstrument = "emmap.live_views";

    private static readonly Meter s_meter = CreateMeter();

    /// <summary>Makes sure the meter exists (called once, when the first stream type is initialised).</summary>
    internal static void Register() => _ = s_meter;

    /// <summary>
    /// The number of direct views and pins alive in the process. Takes no lock: an entry's gate is held across a size change,
    /// which may wait for another process, and an observation must not wait with it.
    /// </summary>
    internal static long CountLiveViews()
    {
        long views = 0;
        foreach (FileEntry entry in FileRegistry.Snapshot())
        {
            if (entry.Shared is { } shared)
            {
                views += shared.ViewCount;
            }

            foreach (MappingState state in entry.Privates)
            {
                views += state.ViewCount;
            }
        }

        return views;
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableUpDownCounter(
            MappedFilesInstrument, () => (long)FileRegistry.Snapshot().Length, "{file}", "Files mapped by this process.");
        meter.CreateObservableUpDownCounter(
            LiveViewsInstrument, CountLiveViews, "{view}", "Direct views and pins that keep mappings alive.");
        return meter;
    }
}
