using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Neuron labelling and the two decision rules on a hand-made example.</summary>
public sealed class ClassificationTests
{
    private const int N = 5;

    /// <summary>
    /// Class counts: class 0 → 2 examples, class 1 → 4, class 2 → 1. Mean rates per neuron (classes 0, 1, 2):
    /// n0 (2, 1, 0) → class 0; n1 (1, 2, 1) → class 1; n2 (1, 0, 1) → tie, the earlier class 0; n3 silent → −1;
    /// n4 (0, 1, 3) → class 2.
    /// </summary>
    private static SnnModel Labelled()
    {
        var model = Model(Current(N), 1, new float[N]);
        var sums = new long[SnnModel.Classes * N];
        void Set(int c, int j, long sum) => sums[c * N + j] = sum;
        Set(0, 0, 4); Set(1, 0, 4);
        Set(0, 1, 2); Set(1, 1, 8); Set(2, 1, 1);
        Set(0, 2, 2); Set(2, 2, 1);
        Set(1, 4, 4); Set(2, 4, 3);
        var counts = new long[SnnModel.Classes];
        counts[0] = 2; counts[1] = 4; counts[2] = 1;
        Protocol.Assign(model, sums, counts);
        return model;
    }

    [Test]
    public void Assign_TakesTheHighestMeanResponse_TiesKeepTheEarlierClass_SilentNeuronsStayUnassigned()
    {
        var model = Labelled();
        Assert.Multiple(() =>
        {
            Assert.That(model.Assignments, Is.EqualTo(new[] { 0, 1, 0, -1, 2 }));
            Assert.That(model.IsLabelled);
            Assert.That(model.ClassRates[0 * N + 0], Is.EqualTo(2f));
            Assert.That(model.ClassRates[1 * N + 1], Is.EqualTo(2f));
            Assert.That(model.ClassRates[2 * N + 4], Is.EqualTo(3f));
            Assert.That(model.ClassRates[5 * N + 0], Is.Zero, "a class without examples has rate 0");
        });
    }

    [Test]
    public void AllActivity_AveragesOverTheNeuronsOfEachClass()
    {
        var classifier = new Classifier(Labelled());
        Assert.Multiple(() =>
        {
            // class 0: (2 + 2)/2 = 2, class 1: 3, class 2: 1; the silent neuron's 50 spikes count for nothing.
            // A plain sum would pick class 0 (4 > 3).
            Assert.That(classifier.PredictAllActivity([2, 3, 2, 50, 1]), Is.EqualTo(1));
            Assert.That(classifier.PredictAllActivity([5, 0, 0, 0, 0]), Is.EqualTo(0));
            Assert.That(classifier.PredictAllActivity([0, 0, 0, 0, 4]), Is.EqualTo(2));
            Assert.That(classifier.PredictAllActivity([0, 0, 0, 0, 0]), Is.EqualTo(0), "all scores equal: the lowest class");
            Assert.That(classifier.PredictAllActivity([0, 1, 0, 0, 1]), Is.EqualTo(1), "ties go to the lower class");
        });
    }

    [Test]
    public void ProportionWeighting_WeightsEachNeuronByItsShareOfTheClassResponse()
    {
        var classifier = new Classifier(Labelled());
        Assert.Multiple(() =>
        {
            // n1 gives class 1 a share 2/4, n4 gives class 2 a share 3/4: 4 spikes of n1 vs 3 of n4 is 2 vs 2.25
            Assert.That(classifier.PredictAllActivity([0, 4, 0, 0, 3]), Is.EqualTo(1));
            Assert.That(classifier.PredictProportion([0, 4, 0, 0, 3]), Is.EqualTo(2));
            // class 0: (2/3·3 + 1/2·2)/2 = 1.5 vs class 1: 1/2·2 = 1
            Assert.That(classifier.PredictProportion([3, 2, 2, 0, 0]), Is.EqualTo(0));
        });
    }
}
