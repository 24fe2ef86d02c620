using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using Emmap.Streams.Diagnostics;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Diagnostics;

[TestFixture]
public sealed class MappedFileMetricsTests
{
    [Test]
    public void LiveViews_TakingAndDisposingViews_IsObservedThroughTheMeter()
    {
        using var dir = new TempDirectory();
        using var stream = MappedFileStream.Open(
            dir.File("m.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        long before = Observe(MappedFileMetrics.LiveViewsInstrument);

        var views = new List<System.Buffers.IMemoryOwner<byte>>();
        for (int i = 0; i < 3; i++)
        {
            views.Add(stream.ReadDirect(i * 8, 8));
        }

        Observe(MappedFileMetrics.LiveViewsInstrument).ShouldBe(before + 3);
        stream.LiveViewCount.ShouldBe(3);

        views.ForEach(v => v.Dispose());
        Observe(MappedFileMetrics.LiveViewsInstrument).ShouldBe(before);
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public void MappedFiles_OpeningAFile_CountsItUntilTheLastHandleCloses()
    {
        using var dir = new TempDirectory();
        long before = Observe(MappedFileMetrics.MappedFilesInstrument);
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 64 };
        var first = MappedFileStream.Open(dir.File("a.bin"), options);
        var second = MappedFileStream.Open(dir.File("a.bin"), options);
        Observe(MappedFileMetrics.MappedFilesInstrument).ShouldBe(before + 1);

        first.Dispose();
        Observe(MappedFileMetrics.MappedFilesInstrument).ShouldBe(before + 1);
        second.Dispose();
        Observe(MappedFileMetrics.MappedFilesInstrument).ShouldBe(before);
    }

    private static long Observe(string instrumentName)
    {
        long value = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MappedFileMetrics.MeterName && instrument.Name == instrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
