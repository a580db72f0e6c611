using System.Text.Json.Nodes;

namespace FSpiNN.CostModel.Tests;

public sealed class EnergyProfileTests
{
    private static string ShippedProfilePath()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FSpiNN.slnx")))
            directory = directory.Parent;
        Assert.That(directory, Is.Not.Null, "repository root (FSpiNN.slnx) not found above the test directory");
        return Path.Combine(directory!.FullName, "profiles", "horowitz-45nm.json");
    }

    private static EnergyEntry Entry(EnergyProfile profile, string label) => profile.Entries.Single(e => e.Label == label);

    [TestCase("accumulate int8", 0.03)]
    [TestCase("accumulate int32", 0.1)]
    [TestCase("multiply int8", 0.2)]
    [TestCase("multiply int32", 3.1)]
    [TestCase("accumulate float16", 0.4)]
    [TestCase("accumulate float32", 0.9)]
    [TestCase("multiply float16", 1.1)]
    [TestCase("multiply float32", 3.7)]
    [TestCase("read sram-8KB 64-bit", 10)]
    [TestCase("read sram-32KB 64-bit", 20)]
    [TestCase("read sram-1MB 64-bit", 100)]
    [TestCase("read dram 64-bit", 1300)]
    public void Default_profile_holds_Horowitz_numbers_exactly(string label, double picojoules)
    {
        var entry = Entry(EnergyProfile.Default, label);

        Assert.That(entry.Picojoules, Is.EqualTo(picojoules));
        Assert.That(entry.Derived, Is.False);
    }

    [Test]
    public void Default_profile_stores_node_voltage_and_dram_range()
    {
        var profile = EnergyProfile.Default;
        var dram = Entry(profile, "read dram 64-bit");

        Assert.Multiple(() =>
        {
            Assert.That(profile.Name, Is.EqualTo("horowitz-45nm"));
            Assert.That(profile.TechnologyNodeNm, Is.EqualTo(45));
            Assert.That(profile.VoltageVolts, Is.EqualTo(0.9));
            Assert.That(dram.RangeLowPicojoules, Is.EqualTo(1300));
            Assert.That(dram.RangeHighPicojoules, Is.EqualTo(2600));
            Assert.That(profile.Levels.Select(l => l.Name), Is.EqualTo(new[] { "register-file", "sram-8KB", "sram-32KB", "sram-1MB", "dram" }));
        });
    }

    [Test]
    public void Shipped_file_equals_embedded_default()
    {
        var shipped = EnergyProfileJson.Load(ShippedProfilePath());

        Assert.That(EnergyProfileJson.Serialize(shipped), Is.EqualTo(EnergyProfileJson.Serialize(EnergyProfile.Default)));
    }

    [Test]
    public void Json_round_trip_keeps_every_field()
    {
        var original = EnergyProfile.Default;
        string path = Path.Combine(Path.GetTempPath(), $"fspinn-profile-{Guid.NewGuid():N}.json");
        try
        {
            EnergyProfileJson.Save(original, path);
            var reloaded = EnergyProfileJson.Load(path);

            Assert.Multiple(() =>
            {
                Assert.That(reloaded.Entries, Is.EqualTo(original.Entries));
                Assert.That(reloaded.Levels, Is.EqualTo(original.Levels));
                Assert.That(reloaded.TechnologyNodeNm, Is.EqualTo(original.TechnologyNodeNm));
                Assert.That(reloaded.VoltageVolts, Is.EqualTo(original.VoltageVolts));
                Assert.That(reloaded.Source, Is.EqualTo(original.Source));
                Assert.That(EnergyProfileJson.Serialize(reloaded), Is.EqualTo(EnergyProfileJson.Serialize(original)));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Every_derived_entry_follows_its_named_rule()
    {
        var profile = EnergyProfile.Default;
        var derived = profile.Entries.Where(e => e.Derived).ToList();
        Assert.That(derived, Has.Count.GreaterThanOrEqualTo(6 + 1 + 5 + 5), "int add/mult at 4/12/16, the register file, 32-bit reads, writes");

        foreach (var entry in derived)
        {
            var source = Entry(profile, entry.From!);
            double expected = entry.Rule switch
            {
                ScalingRules.SramSqrtCapacity => ScalingRules.SramByCapacity(source.Picojoules,
                    profile.Level(source.Level!).CapacityBytes!.Value, profile.Level(entry.Level!).CapacityBytes!.Value),
                _ => ScalingRules.Apply(entry.Rule!, source.Picojoules, source.Bits, entry.Bits),
            };
            Assert.That(entry.Picojoules, Is.EqualTo(expected).Within(1e-9).Percent, $"{entry.Label} ({entry.Rule} from {entry.From})");
        }
    }

    [TestCase(4, 0.015, 0.05)]
    [TestCase(12, 0.045, 0.45)]
    [TestCase(16, 0.06, 0.8)]
    public void Derived_integer_widths_have_documented_values(int bits, double add, double multiply)
    {
        var profile = EnergyProfile.Default;
        var addEntry = Entry(profile, $"accumulate int{bits}");
        var multiplyEntry = Entry(profile, $"multiply int{bits}");

        Assert.Multiple(() =>
        {
            Assert.That(addEntry.Derived && multiplyEntry.Derived, Is.True);
            Assert.That(addEntry.Rule, Is.EqualTo(ScalingRules.AddLinearInBits));
            Assert.That(multiplyEntry.Rule, Is.EqualTo(ScalingRules.MultiplyQuadraticInBits));
            Assert.That(addEntry.Picojoules, Is.EqualTo(add).Within(1e-12));
            Assert.That(multiplyEntry.Picojoules, Is.EqualTo(multiply).Within(1e-12));
        });
    }

    [Test]
    public void Lookup_derives_missing_widths_and_composite_actions_and_flags_them()
    {
        var profile = EnergyProfile.Default;

        var add6 = profile.Operation(EnergyAction.Accumulate, Precision.Fixed(6));
        var mac8 = profile.Operation(EnergyAction.MultiplyAccumulate, Precision.Fixed(8));
        var trace32 = profile.Operation(EnergyAction.TraceUpdate, Precision.Float32);
        var compare16 = profile.Operation(EnergyAction.Compare, Precision.Fixed(16));
        var read8 = profile.MemoryAccess(EnergyAction.Read, "sram-1MB", 8);
        var write8 = profile.MemoryAccess(EnergyAction.Write, "dram", 8);
        var measured = profile.Operation(EnergyAction.Multiply, Precision.Fixed(32));

        Assert.Multiple(() =>
        {
            Assert.That(add6.Picojoules, Is.EqualTo(0.03 * 6 / 8).Within(1e-12));
            Assert.That(add6.Derived, Is.True);
            Assert.That(add6.Rule, Does.Contain(ScalingRules.AddLinearInBits));
            Assert.That(mac8.Picojoules, Is.EqualTo(0.2 + 0.03).Within(1e-12));
            Assert.That(mac8.Rule, Does.Contain(ScalingRules.MacIsMultiplyPlusAdd));
            Assert.That(trace32.Picojoules, Is.EqualTo(3.7 + 0.9).Within(1e-12));
            Assert.That(compare16.Picojoules, Is.EqualTo(0.06).Within(1e-12));
            Assert.That(read8.Picojoules, Is.EqualTo(12.5).Within(1e-12));
            Assert.That(write8.Picojoules, Is.EqualTo(162.5).Within(1e-12));
            Assert.That(write8.Derived, Is.True);
            Assert.That(measured, Is.EqualTo(new ActionEnergy(3.1, false, "measured")));
        });
    }

    [Test]
    public void Placement_picks_the_smallest_level_that_fits()
    {
        var profile = EnergyProfile.Default;

        Assert.Multiple(() =>
        {
            Assert.That(profile.Place("a", 1024 * 8).Name, Is.EqualTo("register-file"));
            Assert.That(profile.Place("a", 1024 * 8 + 1).Name, Is.EqualTo("sram-8KB"));
            Assert.That(profile.Place("a", 8192 * 8).Name, Is.EqualTo("sram-8KB"));
            Assert.That(profile.Place("a", 8192 * 8 + 1).Name, Is.EqualTo("sram-32KB"));
            Assert.That(profile.Place("a", 1048576L * 8).Name, Is.EqualTo("sram-1MB"));
            Assert.That(profile.Place("a", 1048576L * 8 + 1).Name, Is.EqualTo("dram"));
        });
    }

    [Test]
    public void Placement_honours_pins_and_places_reference_network_arrays()
    {
        var json = JsonNode.Parse(File.ReadAllText(ShippedProfilePath()))!.AsObject();
        json["pins"] = new JsonObject { ["weights:X->Ae"] = "dram" };
        var pinned = EnergyProfileJson.Parse(json.ToJsonString());
        var memory = MemoryModel.Compute(ReferenceNetworks.FSpiNN(100, Precision.Fixed(8)));

        var free = CostEstimator.Place(memory, EnergyProfile.Default);
        var withPin = CostEstimator.Place(memory, pinned);

        Assert.Multiple(() =>
        {
            Assert.That(free["weights:X->Ae"], Is.EqualTo("sram-1MB"), "784 × 100 bytes = 78.4 KB");
            Assert.That(free["weights:Ae->Ae"], Is.EqualTo("sram-32KB"), "100 × 100 bytes = 10 KB");
            Assert.That(free["state:Ae"], Is.EqualTo("sram-8KB"), "100 × 13 bytes = 1.3 KB (v, input, θ and the refractory counter)");
            Assert.That(withPin["weights:X->Ae"], Is.EqualTo("dram"));
            Assert.That(withPin["weights:Ae->Ae"], Is.EqualTo("sram-32KB"));
        });
    }

    [Test]
    public void Placement_fails_clearly_when_nothing_holds_the_array()
    {
        var profile = new EnergyProfile("small", [new MemoryLevel("sram", MemoryLevelKind.Sram, 16)], []);

        Assert.That(() => profile.Place("weights:X->Ae", 16 * 8 + 1),
            Throws.InstanceOf<CostModelException>().With.Message.Contains("weights:X->Ae").And.Message.Contains("fits no memory level"));
    }

    private static string Mutated(Action<JsonObject> mutate)
    {
        var json = JsonNode.Parse(File.ReadAllText(ShippedProfilePath()))!.AsObject();
        mutate(json);
        return json.ToJsonString();
    }

    private static JsonObject EntryAt(JsonObject root, int index) => root["entries"]!.AsArray()[index]!.AsObject();

    [Test]
    public void Missing_field_names_the_entry_and_field()
    {
        string json = Mutated(root => EntryAt(root, 2).Remove("pj"));

        Assert.That(() => EnergyProfileJson.Parse(json, "my.json"),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("my.json")
                .And.Message.Contains("entries[2] (multiply int8)").And.Message.Contains("field 'pj' is missing"));
    }

    [Test]
    public void Negative_energy_names_the_entry()
    {
        string json = Mutated(root => EntryAt(root, 0)["pj"] = -0.5);

        Assert.That(() => EnergyProfileJson.Parse(json),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("entries[0] (accumulate int8)").And.Message.Contains("negative"));
    }

    [Test]
    public void Unknown_level_in_an_entry_or_a_pin_is_named()
    {
        int readIndex = EnergyProfile.Default.Entries.ToList().FindIndex(e => e.Label == "read sram-1MB 64-bit");
        string badEntry = Mutated(root => EntryAt(root, readIndex)["level"] = "l3-cache");
        string badPin = Mutated(root => root["pins"] = new JsonObject { ["state:Ae"] = "hbm" });

        Assert.Multiple(() =>
        {
            Assert.That(() => EnergyProfileJson.Parse(badEntry),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains($"entries[{readIndex}]").And.Message.Contains("unknown level 'l3-cache'"));
            Assert.That(() => EnergyProfileJson.Parse(badPin),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("pins['state:Ae']").And.Message.Contains("unknown level 'hbm'"));
        });
    }

    [Test]
    public void Other_malformed_profiles_fail_with_a_clear_message()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => EnergyProfileJson.Parse("{ not json"), Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("not valid JSON"));
            Assert.That(() => EnergyProfileJson.Parse(Mutated(r => r.Remove("name"))),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("field 'name' is missing"));
            Assert.That(() => EnergyProfileJson.Parse(Mutated(r => EntryAt(r, 1)["action"] = "divide")),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("entries[1]").And.Message.Contains("unknown action 'divide'"));
            Assert.That(() => EnergyProfileJson.Parse(Mutated(r => EntryAt(r, 1)["bits"] = "wide")),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("entries[1]").And.Message.Contains("field 'bits' must be a number"));
            Assert.That(() => EnergyProfileJson.Parse(Mutated(r => r["levels"]!.AsArray()[0]!.AsObject()["kind"] = "tape")),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("levels[0] ('register-file')").And.Message.Contains("unknown level kind 'tape'"));
            Assert.That(() => EnergyProfileJson.Parse(Mutated(r => { EntryAt(r, 8).Remove("rule"); })),
                Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("entries[8]").And.Message.Contains("'rule' is missing"));
        });
    }

    [Test]
    public void An_energy_too_large_to_total_is_refused_instead_of_printing_infinity()
    {
        Assert.That(() => EnergyProfileJson.Parse(Mutated(r => EntryAt(r, 0)["pj"] = 1e308), "huge.json"),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("entries[0] (accumulate int8)").And.Message.Contains("field 'pj' must be an energy in [0, 1000000000] pJ"));
        Assert.That(() => EnergyProfileJson.Parse(Mutated(r => r["levels"]!.AsArray()[0]!.AsObject()["capacityBytes"] = 1e300)),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("capacityBytes"));
    }

    [Test]
    public void A_duplicate_entry_is_refused_naming_both()
    {
        string json = Mutated(r => r["entries"]!.AsArray().Add(EntryAt(r, 2).DeepClone()));
        int last = EnergyProfile.Default.Entries.Count;

        Assert.That(() => EnergyProfileJson.Parse(json),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains($"entries[{last}] (multiply int8)").And.Message.Contains("entries[2]"));
    }

    [Test]
    public void A_pin_that_names_no_memory_component_is_refused()
    {
        string json = Mutated(r => r["pins"] = new JsonObject { ["wieghts:X->Ae"] = "dram" });

        Assert.That(() => EnergyProfileJson.Parse(json),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("pin 'wieghts:X->Ae' names no memory component").And.Message.Contains("weights:PRE->POST"));
    }

    [Test]
    public void A_duplicate_json_key_is_refused_naming_the_key()
    {
        string json = File.ReadAllText(ShippedProfilePath()).Replace("\"name\": \"horowitz-45nm\",", "\"name\": \"a\", \"name\": \"b\",", StringComparison.Ordinal);
        Assume.That(json, Does.Contain("\"name\": \"b\""));

        Assert.That(() => EnergyProfileJson.Parse(json, "dup.json"),
            Throws.TypeOf<InvalidEnergyProfileException>().With.Message.Contains("dup.json").And.Message.Contains("name"));
    }
}
