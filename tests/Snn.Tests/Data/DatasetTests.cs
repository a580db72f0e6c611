using FSpiNN.Snn.Data;

namespace FSpiNN.Snn.Tests.Data;

[TestFixture]
public sealed class DatasetTests
{
    private static Dataset Small() =>
        new("toy/train", 1, 2, new byte[] { 10, 11, 20, 21, 30, 31, 40, 41 }, new byte[] { 3, 1, 3, 9 });

    [Test]
    public void Take_and_slice_are_views_over_the_same_buffer()
    {
        var data = Small();
        var slice = data.Slice(1, 2);
        Assert.Multiple(() =>
        {
            Assert.That(slice.Count, Is.EqualTo(2));
            Assert.That(slice.Image(0).ToArray(), Is.EqualTo(new byte[] { 20, 21 }));
            Assert.That(slice.Label(1), Is.EqualTo(3));
            Assert.That(slice.Describe(), Is.EqualTo("toy/train[1..3)"));
            Assert.That(slice.IsWholeSource, Is.False);
            Assert.That(data.Take(4), Is.SameAs(data));
            Assert.That(data.Take(2).Slice(1, 1).Describe(), Is.EqualTo("toy/train[1..2)"));
            Assert.That(data.Pixels.Span.Overlaps(slice.Pixels.Span), Is.True);
        });
    }

    [Test]
    public void Counts_per_class_has_ten_entries()
    {
        Assert.That(Small().CountsPerClass(), Is.EqualTo(new[] { 0, 1, 0, 2, 0, 0, 0, 0, 0, 1 }));
    }

    [Test]
    public void Out_of_range_access_and_inconsistent_buffers_are_rejected()
    {
        var data = Small();
        Assert.That(() => data.Image(4), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => data.Slice(3, 2), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("toy/train"));
        Assert.That(() => new Dataset("x", 1, 2, new byte[3], new byte[2]), Throws.ArgumentException);
        Assert.That(() => new Dataset("x", 1, 1, new byte[2], new byte[] { 0, 10 }), Throws.ArgumentException.With.Message.Contains("index 1"));
    }
}
