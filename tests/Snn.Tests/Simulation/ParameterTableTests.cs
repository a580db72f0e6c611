using System.Reflection;
using FSpiNN.Snn.Config;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>The parameter table: complete, round-trips every configuration, and rejects bad names and values clearly.</summary>
public sealed class ParameterTableTests
{
    private static IEnumerable<NetworkConfig> Configs()
    {
        foreach (var name in NetworkPresets.Names) yield return NetworkPresets.Create(name, 9);
        yield return new NetworkConfig
        {
            Preset = "odd one", Neurons = 3, NeuronModel = NeuronModel.Conductance, Dt = 0.1 + 0.2, ExcRest = -64.123456789012345,
            ThetaTau = 1e-7 + 1, Inhibition = InhibitionKind.Lateral, OneSpikePerStep = false, Encoding = InputEncoding.Bernoulli,
            ResetBetweenExamples = false, Stdp = StdpRule.Triplet, Normalization = NormalizationTiming.None,
            UpdateInterval = 17, AdaptivePotentiation = true, PotentiationMin = 0.25, Quantize = QuantizationMode.PostTraining,
            WeightBits = 12, WeightFractionBits = 9, Rounding = RoundingMode.Truncate, RetryMinSpikes = 3, MaxRetries = 0,
        }.Validate();
    }

    [TestCaseSource(nameof(Configs))]
    public void DescribeThenFromDescription_GivesTheSameConfiguration(NetworkConfig config)
    {
        var description = ParameterTable.Describe(config);
        Assert.That(ParameterTable.FromDescription(description), Is.EqualTo(config));
    }

    [Test]
    public void EveryConfigurationPropertyHasExactlyOneName()
    {
        var settable = typeof(NetworkConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && p.Name != "EqualityContract").Select(p => p.Name).ToList();
        var names = ParameterTable.Parameters.Select(p => p.Name).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(names, Is.Unique);
            Assert.That(names, Has.Count.EqualTo(settable.Count), $"properties: {string.Join(", ", settable)}");
        });
        // and each name really sets its own property: change one value, only that name's text changes
        var baseline = ParameterTable.Describe(new NetworkConfig()).ToDictionary(p => p.Key, p => p.Value);
        foreach (var name in names)
        {
            var changed = ParameterTable.Describe(Mutate(new NetworkConfig(), name)).Where(p => p.Value != baseline[p.Key]).Select(p => p.Key);
            Assert.That(changed, Is.EqualTo(new[] { name }), name);
        }
    }

    /// <summary>A different valid-looking text for the parameter's current value (validation is not applied by Set).</summary>
    private static NetworkConfig Mutate(NetworkConfig config, string name)
    {
        var current = ParameterTable.Get(config, name);
        foreach (var candidate in new[] { "true", "false", "conductance", "current", "lateral", "layer", "bernoulli", "bindsnet",
                     "triplet", "postpre", "before", "none", "itq", "tr", "sr", "arrival", "exact", "float32-step", "7", "3", "x" })
        {
            if (string.Equals(candidate, current, StringComparison.OrdinalIgnoreCase)) continue;
            try
            {
                return ParameterTable.Set(config, name, candidate);
            }
            catch (ConfigException)
            {
                // not a value of this parameter's type; try the next
            }
        }
        throw new AssertionException($"no alternative value found for {name}");
    }

    [Test]
    public void NamesAndChoicesAreCaseInsensitive()
    {
        var config = ParameterTable.Apply(NetworkPresets.BindsNet(4), ["STDP=Triplet", " Neurons = 7", "rounding=SR"]);
        Assert.That((config.Stdp, config.Neurons, config.Rounding), Is.EqualTo((StdpRule.Triplet, 7, RoundingMode.Stochastic)));
    }

    [TestCase("nuerons=5", "nuerons", "unknown parameter")]
    [TestCase("neurons=five", "neurons", "not an integer")]
    [TestCase("dt=fast", "dt", "not a number")]
    [TestCase("dt=NaN", "dt", "not a number")]
    [TestCase("dt=Infinity", "dt", "not a number")]
    [TestCase("one_spike=maybe", "one_spike", "not true/false")]
    [TestCase("stdp=hebb", "stdp", "triplet, postpre, potentiation")]
    [TestCase("neurons", "neurons", "expected name=value")]
    [TestCase("=3", "=3", "expected name=value")]
    [TestCase("neurons=0", "neurons", "[1, 100000]")]
    [TestCase("bits=33", "bits", "[1, 32]")]
    [TestCase("update_interval=0", "update_interval", "[1, 1000000]")]
    [TestCase("dt=-1", "dt", "[0.001, 10]")]
    [TestCase("max_input_rate=2000", "max_input_rate", "one spike per step")]
    public void BadAssignments_ThrowConfigExceptionNamingTheParameter(string assignment, string parameter, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => ParameterTable.Apply(NetworkPresets.BindsNet(4), [assignment]));
        Assert.Multiple(() =>
        {
            Assert.That(e!.Parameter, Is.EqualTo(parameter));
            Assert.That(e.Message, Does.Contain(problem).And.Contain($"'{parameter}'"));
        });
    }

    /// <summary>A search hands typed values over: each sets what its text sets, and a bad one is refused with the text's message.</summary>
    [Test]
    public void TypedValues_SetWhatTheirTextSets_AndAreRefusedAsTheTextIs()
    {
        var config = NetworkPresets.Create("bindsnet", 9);
        foreach (var p in ParameterTable.Parameters)
        {
            switch (p.Type)
            {
                case ParameterTable.ParameterType.Real:
                    foreach (var x in new[] { p.Min, p.Max, 0.1 + 0.2 }.Where(x => x >= p.Min && x <= p.Max))
                        Assert.That(ParameterTable.Set(config, p.Name, x), Is.EqualTo(ParameterTable.Set(config, p.Name, x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))), p.Name);
                    break;
                case ParameterTable.ParameterType.Integer:
                    foreach (var n in new[] { (long)p.Min, (long)p.Max })
                        Assert.That(ParameterTable.Set(config, p.Name, n), Is.EqualTo(ParameterTable.Set(config, p.Name, n.ToString(System.Globalization.CultureInfo.InvariantCulture))), p.Name);
                    break;
                case ParameterTable.ParameterType.Flag:
                    foreach (var b in new[] { true, false })
                        Assert.That(ParameterTable.Set(config, p.Name, b), Is.EqualTo(ParameterTable.Set(config, p.Name, b ? "true" : "false")), p.Name);
                    break;
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(ParameterTable.Set(config, "w_inh", 120L).LateralInhibition, Is.EqualTo(120.0), "an integer sets a real parameter");
            Assert.That(ParameterTable.Set(config, "neurons", 30.0).Neurons, Is.EqualTo(30), "a whole number sets an integer parameter");
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "neurons", 0L))!.Message,
                Is.EqualTo(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "neurons", "0"))!.Message).And.Contain("[1, 100000]"));
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "dt", 11.5))!.Message,
                Is.EqualTo(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "dt", "11.5"))!.Message).And.Contain("[0.001, 10]"));
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "neurons", 30.5))!.Message, Does.Contain("'30.5' is not an integer"));
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "stdp", 3L))!.Message, Does.Contain("'3' is not one of triplet, postpre, potentiation"));
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "one_spike", 2L))!.Message, Does.Contain("'2' is not true/false"));
            Assert.That(Assert.Throws<ConfigException>(() => ParameterTable.Set(config, "nuerons", 5L))!.Message, Does.Contain("did you mean 'neurons'"));
        });
    }

    [Test]
    public void FromDescription_RejectsUnknownNames()
    {
        var description = ParameterTable.Describe(new NetworkConfig()).Append(new KeyValuePair<string, string>("colour", "blue"));
        Assert.That(() => ParameterTable.FromDescription(description),
            Throws.TypeOf<ConfigException>().With.Property(nameof(ConfigException.Parameter)).EqualTo("colour"));
    }

    [TestCase("bindsnet", 32, null, QuantizationMode.None)]
    [TestCase("fspinn", 32, null, QuantizationMode.None)]
    [TestCase("fspinn", 32, "itq", QuantizationMode.None)]
    [TestCase("bindsnet", 8, null, QuantizationMode.InTraining)]
    [TestCase("bindsnet", 8, "ptq", QuantizationMode.PostTraining)]
    [TestCase("fspinn", 4, null, QuantizationMode.InTraining)]
    public void GivenBits_ImplyTheQuantizationMode(string preset, int bits, string? mode, QuantizationMode expected)
    {
        var config = ParameterTable.Set(NetworkPresets.Create(preset, 10), "bits", bits.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (mode is not null) config = ParameterTable.Set(config, "quantize", mode);
        Assert.That(ParameterTable.ImplyQuantization(config, modeGiven: mode is not null).Quantize, Is.EqualTo(expected));
    }

    [Test]
    public void FewerBitsWithQuantizationOff_AreRefusedWithTheFix()
    {
        var config = ParameterTable.Set(ParameterTable.Set(NetworkPresets.BindsNet(10), "bits", "8"), "quantize", "none");
        var e = Assert.Throws<ConfigException>(() => ParameterTable.ImplyQuantization(config, modeGiven: true));
        Assert.That(e!.Message, Does.Contain("bits=8 needs quantization").And.Contain("ptq or itq"));
    }
}
