using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Spectre.Console;

namespace Emmap.Streams.Benchmarks;

/// <summary>Prints quick-run rows and bar outcomes as Markdown tables (readable in a terminal, pasteable into docs).</summary>
internal static class ResultTable
{
    internal static void Print(IAnsiConsole console, IReadOnlyList<QuickResult> rows)
    {
        var table = new Table().Border(TableBorder.Markdown);
        table.AddColumn("suite");
        table.AddColumn("case");
        table.AddColumn(new TableColumn("ns/op").RightAligned());
        table.AddColumn(new TableColumn("B alloc/op").RightAligned());
        table.AddColumn("baseline");
        table.AddColumn(new TableColumn("ratio").RightAligned());
        foreach (QuickResult row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Suite),
                Markup.Escape(row.Case),
                Number(row.NsPerOp),
                Number(row.BytesAllocatedPerOp),
                Markup.Escape(row.BaselineCase ?? "-"),
                row.RatioToBaseline is { } ratio ? ratio.ToString("F2", CultureInfo.InvariantCulture) + "x" : "-");
        }

        console.Write(table);
    }

    internal static void PrintBars(IAnsiConsole console, IReadOnlyList<(Bar Bar, BarOutcome Outcome, string Measured)> outcomes)
    {
        var table = new Table().Border(TableBorder.Markdown);
        table.AddColumn("bar");
        table.AddColumn("status");
        table.AddColumn("measured");
        foreach ((Bar bar, BarOutcome outcome, string measured) in outcomes)
        {
            string status = outcome switch
            {
                BarOutcome.Met => "met",
                BarOutcome.Missed => "MISSED",
                _ => "not measured",
            };
            table.AddRow(Markup.Escape(bar.Description), status, Markup.Escape(measured));
        }

        console.Write(table);
        int missed = outcomes.Count(o => o.Outcome == BarOutcome.Missed);
        int pending = outcomes.Count(o => o.Outcome == BarOutcome.NotMeasured);
        console.WriteLine($"{outcomes.Count - missed - pending} met, {missed} missed, {pending} not measured.");
    }

    /// <summary>Three significant digits or whole numbers, so that 11.5 and 1175 both read naturally.</summary>
    internal static string Number(double value) =>
        value == 0 ? "0" : value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : value >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture);
}
