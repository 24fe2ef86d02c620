using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Diagnostics;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
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

    [Test]
    public void LiveViews_WhileAnotherHandleOfTheFileOpensAndCloses_CountNoViewThatWasNeverTaken()
    {
        using var dir = new TempDirectory();
        string path = dir.File("churn.bin");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4096 };
        using var first = MappedFileStream.Open(path, options);
        long baseline = Observe(MappedFileMetrics.LiveViewsInstrument);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Task churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var second = MappedFileStream.Open(path, options);
            }
        });

        int phantomOfTheStream = 0;
        long phantomOfTheMeter = 0;
        int observations = 0;
        while (!churn.IsCompleted)
        {
            observations++;
            if (first.LiveViewCount is not 0 and int count)
            {
                phantomOfTheStream = count;
            }

            if (observations % 64 == 0 && Observe(MappedFileMetrics.LiveViewsInstrument) - baseline is not 0 and long extra)
            {
                phantomOfTheMeter = extra;
            }
        }

        churn.Wait();
        (phantomOfTheStream, phantomOfTheMeter).ShouldBe((0, 0L), $"no direct view was taken ({observations} observations)");
    }

    [Test]
    [LinuxOnly("reads before the mapping are a Linux path")]
    public void LiveViewCount_OfAReadOnlyStreamThatHasNotMappedYet_CoversTheViewsOfTheFilesOtherHandles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("deferred.bin");
        File.WriteAllBytes(path, new byte[8192]);
        using var reader = MappedFileStream.Open(path);
        reader.ReadAt(0, new byte[16]).ShouldBe(16);
        using var writer = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite });
        var views = new List<System.Buffers.IMemoryOwner<byte>>();
        for (int i = 0; i < 3; i++)
        {
            views.Add(writer.ReadDirect(i * 64, 64));
        }

        reader.LiveViewCount.ShouldBe(3);
        views.ForEach(v => v.Dispose());
        reader.LiveViewCount.ShouldBe(0);
    }

    [Test]
    [LinuxOnly("open file description locks stand in for another process's size lock")]
    public void Observing_WhileAnOpenWaitsForAnotherHoldersSizeLock_DoesNotWait()
    {
        using var dir = new TempDirectory();
        string busy = dir.File("busy.bin");
        File.WriteAllBytes(busy, new byte[4096]);
        using var mapped = MappedFileStream.Open(dir.File("mapped.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 64 });
        using var view = mapped.ReadDirect(0, 8);

        // Another open file description holding busy.bin's size lock: what another process's growth holds.
        using SafeFileHandle holder = File.OpenHandle(busy, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        RangeLocks.Lock(holder, SharedFileState.LockRangeStart, shared: false, busy);
        Task<MappedFileStream> opening = Task.Run(() => MappedFileStream.Open(busy, new MapOptions { Access = FileAccess.ReadWrite }));
        try
        {
            SpinWait.SpinUntil(() => FileLocks.WaiterExists(busy), TimeSpan.FromSeconds(10)).ShouldBeTrue("the open waits for the size lock");

            Task<(long Files, long Views)> observed = Task.Run(
                () => (Observe(MappedFileMetrics.MappedFilesInstrument), Observe(MappedFileMetrics.LiveViewsInstrument)));

            observed.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("an observation waited for another holder's size lock");
            observed.Result.Files.ShouldBeGreaterThanOrEqualTo(1);
            observed.Result.Views.ShouldBeGreaterThanOrEqualTo(1);
        }
        finally
        {
            RangeLocks.Unlock(holder, SharedFileState.LockRangeStart);
            opening.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
            opening.Result.Dispose();
        }
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
