using FSpiNN.Dse.Statistics;

namespace FSpiNN.Dse.Tests;

/// <summary><see cref="Replicates"/> against intervals computed by hand from Student-t table values.</summary>
public sealed class ReplicatesTests
{
    [Test]
    public void FiveAccuracies_GiveTheHandComputedMeanSdAndTInterval()
    {
        // 0.90, 0.91, 0.92, 0.93, 0.94: mean 0.92; deviations ±0.02, ±0.01, 0 → Σd² = 0.001, sd = √(0.001/4) = 0.0158114;
        // t(0.975, 4) = 2.776445 (table); half-width = 2.776445 × 0.0158114 / √5 = 0.0196324
        var r = Replicates.Of([0.90, 0.91, 0.92, 0.93, 0.94]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Count, Is.EqualTo(5));
            Assert.That(r.Mean, Is.EqualTo(0.92).Within(1e-12));
            Assert.That(r.StandardDeviation, Is.EqualTo(0.0158113883).Within(1e-9));
            Assert.That(r.ConfidenceLow, Is.EqualTo(0.92 - 0.0196324).Within(1e-6));
            Assert.That(r.ConfidenceHigh, Is.EqualTo(0.92 + 0.0196324).Within(1e-6));
        });
    }

    [Test]
    public void TwoValues_UseTheWideTwelvePointSevenT()
    {
        // 10 and 12: mean 11, sd √2; t(0.975, 1) = 12.7062; half-width = 12.7062 × √2 / √2 = 12.7062
        var r = Replicates.Of([10.0, 12.0]);
        Assert.That(r.HalfWidth, Is.EqualTo(12.7062).Within(1e-4));
    }

    [Test]
    public void NinetyPercent_IsNarrowerThanNinetyFive()
    {
        // t(0.95, 4) = 2.131847 → half-width 2.131847 × 0.0158114 / √5 = 0.0150744
        var r = Replicates.Of([0.90, 0.91, 0.92, 0.93, 0.94], confidence: 0.90);
        Assert.That(r.HalfWidth, Is.EqualTo(0.0150744).Within(1e-6));
    }

    [Test]
    public void OneValue_HasNoSpread_AndOverlapDecidesTies()
    {
        var one = Replicates.Of([0.5]);
        var a = Replicates.Of([0.90, 0.91, 0.92]);   // mean 0.91, sd 0.01, t(0.975, 2) = 4.302653 → ±0.024841
        var b = Replicates.Of([0.93, 0.94, 0.95]);   // 0.94 ± 0.024841: intervals [0.885, 0.935] and [0.915, 0.965] overlap
        var c = Replicates.Of([0.99, 0.995, 1.0]);   // 0.995 ± 0.012421: [0.9826, 1.0074], apart from a
        Assert.Multiple(() =>
        {
            Assert.That(one.StandardDeviation, Is.NaN);
            Assert.That((one.ConfidenceLow, one.ConfidenceHigh), Is.EqualTo((0.5, 0.5)));
            Assert.That(a.HalfWidth, Is.EqualTo(0.024841).Within(1e-6));
            Assert.That(a.Overlaps(b), Is.True);
            Assert.That(a.Overlaps(c), Is.False);
        });
    }

    [Test]
    public void BadInput_IsRefusedClearly()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Replicates.Of([]), Throws.ArgumentException.With.Message.Contains("no values"));
            Assert.That(() => Replicates.Of([1.0, double.NaN]), Throws.ArgumentException.With.Message.Contains("finite"));
            Assert.That(() => Replicates.Of([1.0, 2.0], confidence: 1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }
}
