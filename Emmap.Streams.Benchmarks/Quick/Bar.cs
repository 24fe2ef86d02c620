using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Emmap.Streams.Benchmarks;

/// <summary>One of the issues' performance bars, checked against quick-run results.</summary>
/// <param name="Description">The bar as the issue states it.</param>
/// <param name="Evaluate">Finds the rows it needs and returns the outcome and the measured value in words.</param>
internal sealed record Bar(string Description, Func<IReadOnlyList<QuickResult>, (BarOutcome Outcome, string Measured)> Evaluate)
{
    /// <summary><paramref name="subject"/> takes at most <paramref name="maxRatio"/> times the time of <paramref name="reference"/> in <paramref name="suite"/>.</summary>
    internal static Bar TimeRatio(string description, string suite, string subject, string reference, double maxRatio) =>
        TimeRatio(description, suite, subject, suite, reference, maxRatio);

    /// <summary>
    /// <paramref name="subject"/> of <paramref name="subjectSuite"/> takes at most <paramref name="maxRatio"/> times the time of
    /// <paramref name="reference"/> of <paramref name="referenceSuite"/> (for bars that compare cases of different suites).
    /// </summary>
    internal static Bar TimeRatio(string description, string subjectSuite, string subject, string referenceSuite, string reference, double maxRatio) =>
        new(description, rows =>
        {
            if (Find(rows, subjectSuite, subject) is not { } a || Find(rows, referenceSuite, reference) is not { } b)
            {
                return (BarOutcome.NotMeasured, $"{subjectSuite}: {subject} or {referenceSuite}: {reference} not measured");
            }

            double ratio = a.NsPerOp / b.NsPerOp;
            return (ratio <= maxRatio ? BarOutcome.Met : BarOutcome.Missed,
                $"{subject} {F(a.NsPerOp)} ns / {reference} {F(b.NsPerOp)} ns = {F(ratio)}x (bar ≤ {F(maxRatio)}x)");
        });

    /// <summary><paramref name="subject"/> in <paramref name="suite"/> takes at most <paramref name="maxNanoseconds"/> per operation.</summary>
    internal static Bar MaxTime(string description, string suite, string subject, double maxNanoseconds) =>
        new(description, rows =>
        {
            if (Find(rows, suite, subject) is not { } a)
            {
                return (BarOutcome.NotMeasured, $"{suite}: {subject} not measured");
            }

            return (a.NsPerOp <= maxNanoseconds ? BarOutcome.Met : BarOutcome.Missed,
                $"{subject} {F(a.NsPerOp)} ns/op = {F(1e3 / a.NsPerOp)} M ops/s (bar ≤ {F(maxNanoseconds)} ns)");
        });

    /// <summary>No case named <paramref name="subject"/> in a suite starting with <paramref name="suitePrefix"/> allocates at all.</summary>
    internal static Bar NoAllocation(string description, string suitePrefix, string subject) =>
        new(description, rows =>
        {
            List<QuickResult> matching = rows.Where(r => r.Case == subject && r.Suite.StartsWith(suitePrefix, StringComparison.Ordinal)).ToList();
            if (matching.Count == 0)
            {
                return (BarOutcome.NotMeasured, $"{suitePrefix}*: {subject} not measured");
            }

            List<QuickResult> allocating = matching.Where(r => r.BytesAllocatedPerOp > 0).ToList();
            return allocating.Count == 0
                ? (BarOutcome.Met, $"{subject}: 0 B/op in {matching.Count} suite(s)")
                : (BarOutcome.Missed, string.Join("; ", allocating.Select(r => $"{r.Suite}: {subject} {F(r.BytesAllocatedPerOp)} B/op")));
        });

    /// <summary><paramref name="subject"/> in <paramref name="suite"/> allocates at most <paramref name="maxBytes"/> per operation.</summary>
    internal static Bar MaxAllocation(string description, string suite, string subject, double maxBytes) =>
        new(description, rows =>
        {
            if (Find(rows, suite, subject) is not { } a)
            {
                return (BarOutcome.NotMeasured, $"{suite}: {subject} not measured");
            }

            return (a.BytesAllocatedPerOp <= maxBytes ? BarOutcome.Met : BarOutcome.Missed,
                $"{subject} {F(a.BytesAllocatedPerOp)} B/op (bar ≤ {F(maxBytes)} B)");
        });

    private static QuickResult? Find(IReadOnlyList<QuickResult> rows, string suite, string name) =>
        rows.FirstOrDefault(r => r.Suite == suite && r.Case == name);

    private static string F(double value) => value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : "F3", CultureInfo.InvariantCulture);
}
