using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Draws the quick run's ratios to each suite's baseline as horizontal bars on a log scale: one bar per case,
/// Emmap.Streams cases in blue, peers in grey, and a line at 1x (the baseline: a raw pointer or the BCL peer).
/// </summary>
internal static class RatioChart
{
    private static readonly string[] s_emmapCases =
    [
        "ReadAt", "WriteAt", "StreamRead", "ReadDirect", "ReadSequence", "ViewSpanSum", "SequenceSum",
        "AtomicAdd", "AtomicCompareExchange", "Increment",
    ];

    /// <summary>Renders <paramref name="rows"/> to a PNG at <paramref name="path"/>.</summary>
    internal static void Save(IReadOnlyList<QuickResult> rows, string path, string title)
    {
        List<QuickResult> shown = rows.Where(r => r.RatioToBaseline is > 0 && r.Case != r.BaselineCase).ToList();
        if (shown.Count == 0)
        {
            throw new ArgumentException("No rows with a ratio to a baseline to draw.", nameof(rows));
        }

        var plot = new Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<Tick>();
        Color ours = Colors.SteelBlue;
        Color peer = Colors.Gray.WithAlpha(0.7);
        for (int i = 0; i < shown.Count; i++)
        {
            QuickResult row = shown[i];
            double position = shown.Count - 1 - i;
            double ratio = row.RatioToBaseline!.Value;
            bars.Add(new ScottPlot.Bar
            {
                Position = position,
                Value = Math.Log10(ratio),
                FillColor = IsEmmapCase(row.Case) ? ours : peer,
                Label = ResultTable.Number(ratio) + "x",
                Orientation = Orientation.Horizontal,
                Size = 0.75,
            });
            ticks.Add(new Tick(position, $"{row.Suite}  {row.Case} vs {row.BaselineCase}", isMajor: true));
        }

        ScottPlot.Plottables.BarPlot plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plottable.ValueLabelStyle.FontSize = 11;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Left.TickLabelStyle.FontSize = 11;

        double low = Math.Floor(Math.Min(0, shown.Min(r => Math.Log10(r.RatioToBaseline!.Value))));
        double high = Math.Ceiling(Math.Max(0, shown.Max(r => Math.Log10(r.RatioToBaseline!.Value)))) + 0.3;
        var xTicks = new List<Tick>();
        for (double decade = low; decade <= high; decade++)
        {
            double value = Math.Pow(10, decade);
            xTicks.Add(new Tick(decade, value.ToString(value < 1 ? "0.###" : "0", CultureInfo.InvariantCulture) + "x", isMajor: true));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks.ToArray());
        plot.Axes.SetLimits(low, high, -0.7, shown.Count - 0.3);
        plot.Add.VerticalLine(0, width: 2, color: Colors.Black);
        plot.Title(title);
        plot.XLabel("time per operation relative to the suite's baseline (log scale; left of 1x is faster)");
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);
        plot.SavePng(path, 1400, 120 + (28 * shown.Count));
    }

    private static bool IsEmmapCase(string name) => s_emmapCases.Contains(name) || name.StartsWith("Mapped", StringComparison.Ordinal);
}
